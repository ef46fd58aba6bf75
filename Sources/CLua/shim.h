#ifndef LWS_CLUA_SHIM_H
#define LWS_CLUA_SHIM_H
/*
 * The Lua 5.4 C API for Swift, plus the few C helpers that must be C.
 *
 * The rule (DESIGN.md): lua_error and every luaL_check* jump with longjmp, and a jump through
 * a Swift frame skips its cleanup. So Swift never raises. Lua calls Swift through
 * lws_trampoline, a C function: it calls the Swift entry (lws_swift_entry, defined with
 * @_cdecl in Bridge), which catches every Swift error, leaves the message on the stack and
 * returns a negative sentinel; the trampoline raises only after the Swift frame is gone.
 */
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

/* Sentinels returned by the Swift entry instead of a result count. */
#define LWS_RAISE_MESSAGE (-1)   /* a string is on top: prefix the user's position, raise */
#define LWS_RAISE_VALUE   (-2)   /* an error value is on top (from a nested pcall): re-raise as is */

/* Defined in Swift (Bridge/Runtime/SwiftEntry.swift). Never raises. */
int lws_swift_entry(lua_State *L);

/* Pushes "source:line: " of the innermost Lua frame that is not lwscript's own library (the
 * registry table "lwscript.library" holds the chunk names of its modules; see
 * Bridge/Runtime/LuaLibrary.swift), searching outwards from the caller, or "" when a C
 * function or the end of the stack comes first. So an error raised by a Swift function that
 * the library called with a user's value points at the user's line, as the library's own
 * errors do (util.fail in lwscript/util.lua, same rule); the traceback still shows every
 * frame. The registry table is plain (no metatable), so the lookups run no Lua code. */
static inline void lws_where_user(lua_State *L) {
    lua_Debug ar;
    lua_pushliteral(L, "lwscript.library");
    int library = lua_rawget(L, LUA_REGISTRYINDEX) == LUA_TTABLE ? lua_gettop(L) : 0;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        /* A C function (pcall(f, ...), say) ends the search with no position, as
         * luaL_where(L, 1) gives for a call straight from C. */
        if (ar.what[0] == 'C') break;
        if (library) {
            lua_pushstring(L, ar.source);
            int known = lua_rawget(L, library) != LUA_TNIL;
            lua_pop(L, 1);
            if (known) continue;
        }
        lua_pop(L, 1);
        if (ar.currentline > 0) lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
        else lua_pushliteral(L, "");
        return;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "");
}

/* Memory. Lua reports a failed allocation by raising an error, a longjmp: fine while Lua code
 * runs (pcall returns false, "not enough memory", as with stock lua), but not while a Swift
 * frame is on the stack, whose 'm' API calls (lua_pushstring, lua_createtable...) would jump
 * through it. So the allocator knows which of the two runs: lws_pcall (Swift calling Lua)
 * sets lua_may_fail, and lws_trampoline (Lua calling Swift) clears it for the Swift entry.
 * Inside a Swift frame a failed allocation takes the emergency reserve (freed for it) and
 * succeeds; when the Swift function has returned, the trampoline raises "not enough memory"
 * in its place, as Lua would have. Only when even the reserve does not suffice does the
 * process end. The state is per Lua state: the allocator's userdata. */
#define LWS_MEMORY_RESERVE ((size_t)4 << 20)
typedef struct lws_memory {
    int lua_may_fail;    /* Lua code runs, no Swift frame above it: a failure is a Lua error */
    int reserve_spent;   /* the reserve went to an allocation made from a Swift frame */
    void *reserve;       /* freed to let such an allocation succeed */
} lws_memory;

static inline void *lws_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lws_memory *m = (lws_memory *)ud;
    (void)osize;
    if (nsize == 0) { free(ptr); return NULL; }
    void *p = realloc(ptr, nsize);
    if (p != NULL || m->lua_may_fail) return p;
    if (m->reserve != NULL) {
        free(m->reserve);
        m->reserve = NULL;
        m->reserve_spent = 1;
        p = realloc(ptr, nsize);
        if (p != NULL) return p;
    }
    fputs("lwscript: out of memory (inside a host function)\n", stderr);
    abort();
}

/* The memory state of L's Lua state (NULL for a state not made by lws_newstate). */
static inline lws_memory *lws_memory_of(lua_State *L) {
    void *ud = NULL;
    (void)lua_getallocf(L, &ud);
    return (lws_memory *)ud;
}

/* The same search as a Lua function, where(): util.lua (lwscript.native.where) raises the
 * library's own errors at the user's line with it, so there is one rule. */
static inline int lws_where_cf(lua_State *L) {
    lws_where_user(L);
    return 1;
}
static inline void lws_pushwhere(lua_State *L) { lua_pushcfunction(L, lws_where_cf); }

static inline int lws_trampoline(lua_State *L) {
    lws_memory *m = lws_memory_of(L);
    int outer = 1, outer_spent = 0;
    if (m) {
        if (m->reserve == NULL) m->reserve = malloc(LWS_MEMORY_RESERVE);
        outer = m->lua_may_fail;
        outer_spent = m->reserve_spent;
        m->lua_may_fail = 0;
        m->reserve_spent = 0;
    }
    int n = lws_swift_entry(L);
    if (m) {
        int spent = m->reserve_spent;
        m->lua_may_fail = outer;
        m->reserve_spent = outer_spent;
        if (m->reserve == NULL) m->reserve = malloc(LWS_MEMORY_RESERVE);
        if (spent) {
            /* An allocation of the Swift function failed and took the reserve: raise the
             * error Lua would have raised there, now that no Swift frame is left. The string
             * is Lua's own preallocated message, so pushing it allocates nothing. */
            lua_settop(L, 0);
            lua_pushliteral(L, "not enough memory");
            return lua_error(L);
        }
    }
    if (n == LWS_RAISE_MESSAGE) {
        lws_where_user(L);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (n == LWS_RAISE_VALUE) return lua_error(L);
    return n;
}

static inline int lws_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "lwscript: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    abort();
    return 0;
}

static inline lua_State *lws_newstate(void) {
    lws_memory *m = (lws_memory *)calloc(1, sizeof(lws_memory));
    if (m == NULL) return NULL;
    m->reserve = malloc(LWS_MEMORY_RESERVE);
    lua_State *L = lua_newstate(lws_alloc, m);
    if (L == NULL) { free(m->reserve); free(m); return NULL; }
    lua_atpanic(L, lws_panic);
    /* Generational mode: a training loop makes many short-lived tensor userdata (batches,
       activations, losses) whose buffers the collector must free soon. A minor collection
       visits only young objects; in incremental mode each step the tensor memory forces
       walks the whole heap (all modules), which cost up to 10% of an MLP epoch. */
    if (L) lua_gc(L, LUA_GCGEN, 0, 0);
    return L;
}

/* Closes a state made by lws_newstate and frees its memory state. */
static inline void lws_close(lua_State *L) {
    lws_memory *m = lws_memory_of(L);
    lua_close(L);
    if (m) { free(m->reserve); free(m); }
}

/* Message handler for lua_pcall: turns the error into "message\nstack traceback:...". */
static inline int lws_msghandler(lua_State *L) {
    /* An error the library caught (to clean up, or to add where a layer sits) and raised
     * again: util.lua recorded the traceback where it was first raised, which has the user's
     * frames; use that one (once). */
    lua_pushliteral(L, "lwscript.pending_traceback");
    if (lua_type(L, 1) == LUA_TSTRING && lua_rawget(L, LUA_REGISTRYINDEX) == LUA_TTABLE) {
        lua_pushliteral(L, "error");
        lua_rawget(L, 2);
        int same = lua_rawequal(L, -1, 1);
        lua_pushliteral(L, "traceback");
        if (same && lua_rawget(L, 2) == LUA_TSTRING) {
            lua_pushliteral(L, "lwscript.pending_traceback");
            lua_pushnil(L);
            lua_rawset(L, LUA_REGISTRYINDEX);
            lua_pushvalue(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
            return 1;
        }
    }
    lua_settop(L, 1);
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Opens the standard libraries; run under lua_pcall (luaL_openlibs uses lua_call). */
static inline int lws_openlibs_cf(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}
static inline void lws_pushopenlibs(lua_State *L) { lua_pushcfunction(L, lws_openlibs_cf); }

/* __index for host userdata: a string key is looked up in the methods table (upvalue 2)
 * without leaving C, the common case (t:sum()); anything else (t[3], t.grad) goes to the
 * Swift fallback, whose function box is upvalue 1 as for any trampoline. The trampoline
 * runs in this frame, so error positions name the Lua line that indexed. */
static inline int lws_index_dispatch(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) return 1;
        lua_pop(L, 1);
    }
    return lws_trampoline(L);
}
/* Expects [methods table, fallback box userdata] on top; pops both, pushes the closure. */
static inline void lws_pushindexdispatch(lua_State *L) {
    lua_insert(L, -2);
    lua_pushcclosure(L, lws_index_dispatch, 2);
}

/* Pushed under lua_pcall: converts any value with __tostring/__name like tostring() does. */
static inline int lws_tostring_cf(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

/* Interrupts (Ctrl-C), as lua.c does: the signal handler installs a count hook (lua_sethook
 * is async-signal-safe) and the hook raises inside Lua, at the next instruction. The state is
 * kept in a function-local static: call lws_catch_sigint and lws_release_sigint from one Swift
 * file, since each object file gets its own copy of a static inline function.
 *
 * Cooperative mode (sys.on_interrupt("flag"), used by long training loops): the hook runs in
 * Lua's context, so it may read the registry; when the running thread's mode is "flag" and
 * no Ctrl-C came yet, it only sets registry[LWS_INTERRUPTED] = true (sys.interrupted() reads
 * it at a batch boundary) and re-arms the handler. A second Ctrl-C raises "interrupted!" as
 * usual; a third, before the hook has run, kills the process (SIG_DFL), as in lua.c. The mode
 * belongs to the Lua thread that runs (see "Modes per Lua thread" below); the flag lives in the
 * Lua registry, so Swift reads and writes it with raw access. */
#define LWS_INTERRUPTED "lwscript.interrupted"
static inline void lws_sigint_handler(int sig);
static inline int lws_flag_mode(lua_State *L);
static inline int lws_registry_flag(lua_State *L, const char *key) {
    lua_pushstring(L, key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    int yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return yes;
}
static inline void lws_stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    if (lws_flag_mode(L) && !lws_registry_flag(L, LWS_INTERRUPTED)) {
        lua_pushstring(L, LWS_INTERRUPTED);
        lua_pushboolean(L, 1);
        lua_rawset(L, LUA_REGISTRYINDEX);
        signal(SIGINT, lws_sigint_handler); /* the next Ctrl-C stops hard */
        return;
    }
    luaL_error(L, "interrupted!");
}
static inline lua_State **lws_sigint_slot(void) {
    static lua_State *slot = NULL;
    return &slot;
}
/* What SIGINT does when no Lua code runs, and after a Ctrl-C whose hook has not run yet:
 * SIG_DFL (end the process, as lua.c) by default; SIG_IGN in the Jupyter kernel, which its
 * client interrupts with SIGINT at any time and must survive (it is ended by its client). */
static inline int *lws_sigint_ignored_when_idle(void) {
    static int ignored = 0;
    return &ignored;
}
static inline void lws_sigint_fallback(int sig) {
    signal(sig, *lws_sigint_ignored_when_idle() ? SIG_IGN : SIG_DFL);
}
static inline void lws_sigint_handler(int sig) {
    lua_State *L = *lws_sigint_slot();
    lws_sigint_fallback(sig); /* a second Ctrl-C before the hook ran kills the process, as in lua.c */
    if (L) lua_sethook(L, lws_stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}
static inline void lws_catch_sigint(lua_State *L) {
    *lws_sigint_slot() = L;
    signal(SIGINT, lws_sigint_handler);
}
static inline void lws_release_sigint(void) {
    lws_sigint_fallback(SIGINT);
    lua_State *L = *lws_sigint_slot();
    if (L) lua_sethook(L, NULL, 0, 0);
    *lws_sigint_slot() = NULL;
}

/* Modes per Lua thread. The gradient mode (tensor.no_grad, tensor.set_grad_enabled) and the
 * Ctrl-C mode (sys.on_interrupt) belong to the Lua thread -- the main one or a coroutine --
 * that sets them, as PyTorch's gradient mode belongs to an OS thread: a coroutine that yields
 * inside tensor.no_grad (or experiment.train, ...) and is never resumed leaves the code around
 * it as it was, and gets its own modes back when it is resumed. They live in each thread's
 * extra space (LUA_EXTRASPACE, which lua_newthread fills from the main thread's):
 *   byte 0: gradients off; byte 1: Ctrl-C only sets a flag; byte 2: this thread set a mode.
 * A coroutine that never set a mode follows the thread that resumes it: coroutine.resume and
 * the functions of coroutine.wrap (lcorolib's, wrapped below) give it the resumer's modes at
 * every resume. The Swift entry reads the running thread's
 * gradient mode into Numerics' GradMode on every call. */
/* LUA_EXTRASPACE must hold the 3 bytes (it is sizeof(void *) unless Lua was built otherwise) */
typedef char lws_extraspace_holds_the_modes[(LUA_EXTRASPACE >= 3) ? 1 : -1];
static inline unsigned char *lws_modes(lua_State *L) { return (unsigned char *)lua_getextraspace(L); }
static inline void lws_reset_modes(lua_State *L) { memset(lws_modes(L), 0, 3); }
static inline int lws_grad_enabled(lua_State *L) { return !lws_modes(L)[0]; }
/* A coroutine that sets a mode keeps its modes from then on. (Not the main thread: new threads
 * start with a copy of its extra space, and must start following their resumer.) */
static inline void lws_owns_modes(lua_State *L) {
    if (!lua_pushthread(L)) lws_modes(L)[2] = 1;
    lua_pop(L, 1);
}
static inline void lws_set_grad_enabled(lua_State *L, int on) { lws_modes(L)[0] = !on; lws_owns_modes(L); }
static inline int lws_flag_mode(lua_State *L) { return lws_modes(L)[1]; }
static inline void lws_set_flag_mode(lua_State *L, int on) { lws_modes(L)[1] = on != 0; lws_owns_modes(L); }
static inline void lws_follow_modes(lua_State *from, lua_State *co) {
    if (!lws_modes(co)[2]) { lws_modes(co)[0] = lws_modes(from)[0]; lws_modes(co)[1] = lws_modes(from)[1]; }
}

/* coroutine.resume and the functions coroutine.wrap makes: lcorolib's own, called from here
 * after giving the coroutine its resumer's modes (lws_follow_modes). They run in this C
 * function's frame, so their arguments, upvalues and error positions are what they expect. */
static inline int lws_coresume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    if (co) lws_follow_modes(L, co);
    return lua_tocfunction(L, lua_upvalueindex(1))(L);     /* lcorolib's resume */
}
/* upvalue 1: the coroutine (as lcorolib's auxwrap expects), 2: auxwrap itself */
static inline int lws_auxwrap(lua_State *L) {
    lws_follow_modes(L, lua_tothread(L, lua_upvalueindex(1)));
    return lua_tocfunction(L, lua_upvalueindex(2))(L);
}
static inline int lws_cowrap(lua_State *L) {
    lua_tocfunction(L, lua_upvalueindex(1))(L);            /* lcorolib's wrap: closure(auxwrap, co) */
    lua_getupvalue(L, -1, 1);                              /* co */
    lua_pushcfunction(L, lua_tocfunction(L, -2));          /* auxwrap */
    lua_pushcclosure(L, lws_auxwrap, 2);
    return 1;
}
/* Wraps lcorolib's resume and wrap as above; run under lua_pcall. */
static inline int lws_install_coroutines_cf(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "coroutine") == LUA_TTABLE) {
        lua_getfield(L, -1, "resume");
        lua_pushcclosure(L, lws_coresume, 1);
        lua_setfield(L, -2, "resume");
        lua_getfield(L, -1, "wrap");
        lua_pushcclosure(L, lws_cowrap, 1);
        lua_setfield(L, -2, "wrap");
    }
    return 0;
}
static inline void lws_pushinstallcoroutines(lua_State *L) { lua_pushcfunction(L, lws_install_coroutines_cf); }

/* Macros of lua.h as functions, so Swift can call them. */
static inline int lws_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int lws_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline void lws_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void lws_newtable(lua_State *L) { lua_newtable(L); }
static inline void lws_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline void lws_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void lws_replace(lua_State *L, int idx) { lua_replace(L, idx); }
/* Swift calling Lua: allocations may fail (as Lua errors) while the call runs. */
static inline int lws_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    lws_memory *m = lws_memory_of(L);
    if (m == NULL) return lua_pcall(L, nargs, nresults, msgh);
    int outer = m->lua_may_fail;
    m->lua_may_fail = 1;
    int status = lua_pcall(L, nargs, nresults, msgh);
    m->lua_may_fail = outer;
    return status;
}
/* lua_createtable for a Swift frame, under a protected call: a table too large for the memory
 * left gives LUA_ERRMEM (nothing pushed) instead of taking the reserve or ending the process.
 * On LUA_OK the table is on top. For tables whose size comes from the user (Tensor:totable). */
static inline int lws_createtable_cf(lua_State *L) {
    lua_createtable(L, (int)lua_tointeger(L, 1), (int)lua_tointeger(L, 2));
    return 1;
}
static inline int lws_createtable_protected(lua_State *L, int narr, int nrec) {
    if (!lua_checkstack(L, 3)) return LUA_ERRMEM;
    lua_pushcfunction(L, lws_createtable_cf);
    lua_pushinteger(L, narr);
    lua_pushinteger(L, nrec);
    int status = lws_pcall(L, 2, 1, 0);
    if (status != LUA_OK) lua_pop(L, 1);
    return status;
}
static inline void lws_pushtrampoline(lua_State *L, int nup) {
    lua_pushcclosure(L, lws_trampoline, nup);
}
static inline void lws_pushmsghandler(lua_State *L) { lua_pushcfunction(L, lws_msghandler); }
static inline void lws_pushtostring(lua_State *L) { lua_pushcfunction(L, lws_tostring_cf); }
static inline void *lws_newuserdata(lua_State *L, size_t size) {
    return lua_newuserdatauv(L, size, 1);
}
static inline int lws_rawgetfield(lua_State *L, int idx, const char *k) {
    idx = lua_absindex(L, idx);
    lua_pushstring(L, k);
    return lua_rawget(L, idx);
}
static inline void lws_rawsetfield(lua_State *L, int idx, const char *k) {
    idx = lua_absindex(L, idx);
    lua_pushstring(L, k);
    lua_insert(L, -2);
    lua_rawset(L, idx);
}
static inline int lws_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
/* A collector step "as if kb kilobytes had been allocated" (lua_gc never raises in 5.4). */
static inline int lws_gc_step(lua_State *L, int kb) { return lua_gc(L, LUA_GCSTEP, kb); }
static inline int lws_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }
static inline int lws_version(void) { return (int)LUA_VERSION_NUM; }
static inline const char *lws_release(void) { return LUA_RELEASE; }

#endif
