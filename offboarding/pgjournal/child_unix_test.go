//go:build unix

package pgjournal_test

import "os"

// childMain runs the test binary as one of the crash tests' children when
// their variable is set (see crash_test.go, killrun_test.go).
func childMain() (code int, child bool) {
	switch {
	case os.Getenv(childEnv) != "":
		return crashChild(), true
	case os.Getenv(runChildEnv) != "":
		return runChild(), true
	}
	return 0, false
}
