-- Small assertion helpers for the Lua test scripts (required by each script).
local testing = {}

function testing.eq(actual, expected, what)
  if actual ~= expected then
    error(string.format("%s: expected %s, got %s", what or "value", tostring(expected), tostring(actual)), 2)
  end
end

function testing.near(actual, expected, tol, what)
  tol = tol or 1e-5
  if type(actual) ~= "number" then actual = actual:item() end
  if math.abs(actual - expected) > tol * math.max(1, math.abs(expected)) then
    error(string.format("%s: expected %.8g, got %.8g", what or "value", expected, actual), 2)
  end
end

-- Nested tables compared element by element: numbers within `tol`, anything else (strings,
-- booleans) equal.
function testing.same_table(actual, expected, what, tol)
  tol = tol or 0
  local function walk(a, e, path)
    if type(e) == "table" then
      if type(a) ~= "table" or #a ~= #e then
        error(string.format("%s%s: expected a table of %d, got %s", what or "table", path, #e,
          type(a) == "table" and ("a table of " .. #a) or tostring(a)), 4)
      end
      for i = 1, #e do walk(a[i], e[i], path .. "[" .. i .. "]") end
    elseif type(e) ~= "number" or type(a) ~= "number" then
      if a ~= e then error(string.format("%s%s: expected %s, got %s", what or "table", path, tostring(e), tostring(a)), 4) end
    elseif math.abs(a - e) > tol then
      error(string.format("%s%s: expected %s, got %s", what or "table", path, tostring(e), tostring(a)), 4)
    end
  end
  walk(actual, expected, "")
end

-- Calls fn and checks that it raises an error whose message contains `fragment` (plain).
function testing.raises(fragment, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error containing '" .. fragment .. "', but the call succeeded", 2) end
  if not tostring(err):find(fragment, 1, true) then
    error("expected an error containing '" .. fragment .. "', got: " .. tostring(err), 2)
  end
  return err
end

return testing
