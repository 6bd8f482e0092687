// Command backuprestore is an admin command line for Microsoft 365 Backup,
// on the backuprestore SDK: list units and policies, show the tenant's
// backup service status; protect sites and people (policies, inclusion
// rules, onboarding by bulk addition jobs); offboard many units (remove
// each from its policy, wait until the removal completes, offboard,
// verify) or cancel their offboarding; with a crash-safe journal so that
// an interrupted run resumes without sending any action twice, and a
// history of every run for audit.
//
// Install it with
//
//	go install github.com/m365kit/backuprestore/cmd/backuprestore@latest
//
// Try it with no tenant (the embedded emulator starts afresh in every
// process; go run ./cmd/emulator and --emulator-url keep state between
// commands):
//
//	backuprestore --emulator offboard --dry-run --user AdeleV@contoso.onmicrosoft.com https://contoso.sharepoint.com/sites/ProductLaunch2026
//	backuprestore --emulator offboard --yes --user AdeleV@contoso.onmicrosoft.com
//
// Against a tenant:
//
//	backuprestore auth login --tenant contoso.onmicrosoft.com
//	backuprestore offboard --dry-run --from departed.csv --column Mail   # each person's OneDrive and mailbox; writes nothing
//	backuprestore offboard --from departed.csv --column Mail            # shows the plan, asks, runs
//	backuprestore status --report change-1234.html                      # the run as a self-contained HTML page
//
// Commands: units list|get (--offboarding: days left before deletion),
// policies list|show|create|rename|activate|deactivate|delete, rules
// list|create|run|delete, onboard, service-status, offboard,
// cancel-offboard, resume, status [RUN], runs list|abandon, auth
// login|status|logout, version. Tables fit the terminal (--wide,
// --no-headers) and colour outcomes unless NO_COLOR is set; -o json, jsonl
// and csv are for programs (CSV cells that would start a spreadsheet
// formula get a leading '; control characters never reach a terminal).
// Exit codes: 0 every unit succeeded or was already in the target state (a
// dry run: its plan was read), 1 some failed, were skipped (unless
// --allow-skipped) or are unfinished, 2 usage or input error, 3 some
// outcomes unknown, 4 authentication or permission failure, 5 not
// confirmed, 130 interrupted by Ctrl-C (143 SIGTERM).
// "backuprestore --help" and each command's --help say the rest.
package main
