//go:build race

package fake_test

// raceEnabled is set when the race detector is on (it slows code ~5-10x).
const raceEnabled = true
