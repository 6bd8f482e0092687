//go:build !unix

package pgjournal_test

// childMain: the crash tests, which kill child processes, run on Unix only.
func childMain() (int, bool) { return 0, false }
