/* cli: the command-line face. One static table of subcommands; each parses its options and
 * calls the same domain functions the HTTP API will call. Exit codes: 0 ok, 1 runtime failure,
 * 2 bad usage or bad input. */
#ifndef HQD_CLI_H
#define HQD_CLI_H

/* Runs hqd with the given arguments and returns the process exit code. */
int cli_main(int argc, char **argv);

#endif
