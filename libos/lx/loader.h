/* exec's loader: is a file a program, load it and build its stack. (loader.c) */
#ifndef LX_LOADER_H
#define LX_LOADER_H

long lx_check_program(const char *path); /* could path be run? 0, or why not: -ENOENT, -EACCES, -ENOEXEC, -ELIBBAD... */
/* Load a static or static-PIE ELF program and build its stack; returns its entry and stack pointer. */
long lx_load(const char *path, char *const argv[], char *const envp[], uint64_t *entry, uint64_t *sp);
/* Bytes execve's strings and their pointers may take: a quarter of RLIMIT_STACK, within Linux's bounds. */
uint64_t lx_arg_room(void);
const char *lx_load_why(long err); /* why lx_load or lx_check_program failed with err, in words */

#endif
