//go:build !unix

package filejournal_test

// permissionChild is TestPermission's child, which runs on Unix only (it
// drops to an unprivileged user when run as root).
func permissionChild(string) int { return 2 }
