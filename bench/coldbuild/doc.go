// Package coldbuild holds three of the four one-call programs that
// report.sh builds with an empty build cache to measure what using each
// client costs at build time (wall time, peak memory, binary size). Each
// cancels the offboarding of the protection unit named on the command line:
//
//   - raw: net/http and encoding/json only; the token comes from $GRAPH_TOKEN.
//   - kiota: Kiota (abstractions, net/http adapter, JSON serialization,
//     Azure Identity authentication) and azidentity, without generated
//     models: the baseline issue 7 sets for this SDK.
//   - backuprestore: this SDK and azidentity.
//
// The fourth, msgraph (msgraph-sdk-go and azidentity), is
// bench/msgraph/coldbuild/msgraph, in the msgraph module, so that compiling
// this module never compiles msgraph-sdk-go.
//
// They are ordinary main packages: `go vet ./...` compiles them, `go test
// ./...` only reports that they have no tests.
package coldbuild
