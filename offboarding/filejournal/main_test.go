package filejournal_test

import (
	"fmt"
	"os"
	"testing"
)

// childEnv selects what a child process of this test binary does (see
// crash_test.go and permission_test.go); unset, the tests run.
const childEnv = "FILEJOURNAL_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "record":
		recordUntilKilled(os.Getenv("FILEJOURNAL_TEST_PATH"))
	case "permission":
		os.Exit(permissionChild(os.Getenv("FILEJOURNAL_TEST_PATH")))
	default:
		fmt.Fprintln(os.Stderr, "unknown child", os.Getenv(childEnv))
		os.Exit(2)
	}
}
