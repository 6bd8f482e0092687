package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// IDList is the content of an -ids file: the unit IDs a bulk example acts on.
type IDList struct {
	// IDs are the distinct IDs, in the order they first appear.
	IDs []string
	// Duplicates is how many lines repeated an earlier ID (byte for byte:
	// IDs are opaque).
	Duplicates int
}

// Describe is "3 units from -ids", with the duplicates skipped, if any.
func (l IDList) Describe() string {
	s := fmt.Sprintf("%d units from -ids", len(l.IDs))
	switch l.Duplicates {
	case 0:
	case 1:
		s += " (1 duplicate line skipped)"
	default:
		s += fmt.Sprintf(" (%d duplicate lines skipped)", l.Duplicates)
	}
	return s
}

// ReadIDs reads the unit IDs of -ids from the file name, or from stdin when
// name is "-": one per line, trimmed, blank lines and # comments skipped,
// duplicates counted and dropped. A file that cannot be opened, or holds no
// ID, is a *UsageError; a read that fails midway is a plain error that says
// how many IDs came before it.
func ReadIDs(name string, stdin io.Reader) (IDList, error) {
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return IDList{}, Usagef("-ids: %w", err)
		}
		defer f.Close()
		in = f
	}
	var l IDList
	seen := map[string]bool{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		id := strings.TrimSpace(sc.Text())
		switch {
		case id == "" || strings.HasPrefix(id, "#"):
		case seen[id]:
			l.Duplicates++
		default:
			seen[id] = true
			l.IDs = append(l.IDs, id)
		}
	}
	if err := sc.Err(); err != nil {
		return IDList{}, fmt.Errorf("-ids %s: after %d IDs: %w", name, len(l.IDs), err)
	}
	if len(l.IDs) == 0 {
		return IDList{}, Usagef("-ids %s holds no unit ID (one per line; blank lines and # comments are skipped)", name)
	}
	return l, nil
}
