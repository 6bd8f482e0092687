package journalproc

import (
	"strings"
	"testing"
)

func TestParseStrace(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   string
		want map[string]int64
	}{
		"none": {"", map[string]int64{"fsync": 0, "fdatasync": 0, "sync_file_range": 0}},
		"some": {`% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 72.50    0.000029          29         1           fdatasync
 27.50    0.000011           5      1502         3 fsync
------ ----------- ----------- --------- --------- ----------------
100.00    0.000040          13         3           total
`, map[string]int64{"fsync": 1502, "fdatasync": 1, "sync_file_range": 0}},
	} {
		got, err := parseStrace(strings.NewReader(tc.in))
		if err != nil {
			t.Fatal(name, err)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %d, want %d", name, k, got[k], v)
			}
		}
	}
}
