// Package cli is the command-line plumbing the example programs share: the
// common flags (-emulator, -tenant, -client-id, -signin), flag values that
// reject what is out of range, parsing with the examples' exit statuses,
// the rule that picks the embedded emulator or Microsoft Graph, and the
// client for either.
//
// Where an example runs, one rule for flags and environment alike:
//
//   - -emulator always selects the embedded emulator. A tenant or client ID
//     set anyway (by flag or AZURE_*) is not used, and Target.Ignored names
//     it so the program can say so.
//   - Otherwise the tenant is -tenant, else $AZURE_TENANT_ID, and the client
//     ID is -client-id, else $AZURE_CLIENT_ID (a variable set to blanks
//     counts as unset; a flag given as blank is a usage error).
//   - Neither: the embedded emulator. Both: Microsoft Graph, signed in as a
//     user (delegated: offboard and cancelOffboard accept only delegated
//     work-or-school tokens) with a device code or, with -signin browser, an
//     interactive browser. One without the other: a usage error that names
//     the one given, where it came from, and what is missing.
//
// Flags that only mean something on one side are usage errors on the other
// instead of being ignored: an emulator-only flag (Program.EmulatorOnly,
// say -units) against Graph, -signin without a tenant. A flag Graph needs
// (Program.GraphRequires, say -id) is a usage error when missing there; on
// the emulator the examples act on the IDs given, seeding them first (see
// SeedUnits).
//
// Exit statuses, the same in every example: 0 done, and for -h or -help
// (the usage then goes to stdout); 1 the job failed (the message says
// whether the service answered, nothing was sent, or the outcome is
// unknown); 2 a usage error (the message, naming the flag, then the usage,
// go to stderr, and nothing is sent).
package cli
