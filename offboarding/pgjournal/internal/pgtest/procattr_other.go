//go:build !unix

package pgtest

import "syscall"

// procAttr has nothing to set outside Unix (there is no root to avoid).
func procAttr(*runAs, bool) *syscall.SysProcAttr { return nil }
