//go:build !unix

package measure

import "time"

// processCPU is not measured on this platform: no cpu-ns/op metric.
func processCPU() (time.Duration, bool) { return 0, false }
