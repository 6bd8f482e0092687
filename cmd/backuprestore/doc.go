// Command backuprestore is an admin command line for Microsoft 365 Backup
// protection units, on the backuprestore SDK: list units and policies, show
// the tenant's backup service status, offboard many units (remove each
// from its policy, wait until the removal completes, offboard, verify) or
// cancel their offboarding, with a durable journal so that an interrupted
// run resumes without sending any action twice.
//
// Install it with
//
//	go install github.com/m365kit/backuprestore/cmd/backuprestore@latest
//
// The three commands an admin needs first:
//
//	backuprestore --emulator offboard --dry-run https://contoso.sharepoint.com/sites/Compliance   # try it: no tenant needed
//	backuprestore offboard --dry-run --from sites.txt   # the plan against your tenant (az login); writes nothing
//	backuprestore offboard --from sites.txt             # shows the plan, asks, runs; "backuprestore resume" if interrupted
//
// Commands: units list|get, policies list, service-status, offboard,
// cancel-offboard, resume, status. Global flags: --emulator,
// --emulator-url URL, --tenant, --client-id, --auth azurecli|devicecode|browser,
// --output table|json|jsonl|csv, --journal FILE, --yes, --quiet, --verbose.
// Exit codes: 0 every unit succeeded or was already in the target state,
// 1 some failed, were skipped or are unfinished, 2 usage or input error,
// 3 some outcomes unknown, 4 authentication or permission failure.
// "backuprestore --help" and each command's --help say the rest.
package main
