// Package conformance checks the SDK's models and the emulator against
// Microsoft's published Graph v1.0 schema: testdata/backuprestore-v1.0.xml
// is the excerpt of the metadata (CSDL) that covers everything reachable
// from backupRestoreRoot, cut by Trim from the full document (Source says
// which); its tests check that every property and enum member is modelled,
// that every JSON object the emulator sends validates against its declared
// type (Validate), and that every navigation and bound operation under
// /solutions/backupRestore is served or answers 501 Not Implemented.
//
// Regenerate the excerpt after updating the full file:
//
//	go generate ./internal/conformance
package conformance

//go:generate go run ./gen -in ../../../shared/reference/graph-v1.0-csdl.xml -out testdata/backuprestore-v1.0.xml
