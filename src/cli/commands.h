/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/commands.h -- the subcommands of `azukari`. Each lives in
 * src/cli/cmd_<name>.c, parses its own options (argv[0] is the command
 * name) and returns the process exit status. Add a command by adding its
 * AZK_COMMAND line in commands.def.
 */
#ifndef AZK_CLI_COMMANDS_H
#define AZK_CLI_COMMANDS_H

#define AZK_COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef AZK_COMMAND

/* `azukari agent witness ...` (cmd_agent_witness.c), called by cmd_agent. */
int cmd_agent_witness(int argc, char **argv);

#endif
