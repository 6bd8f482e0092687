package main

import (
	"bytes"
	"fmt"
	"os"
)

// beginMarker and endMarker delimit a section.
func beginMarker(name string) string { return "<!-- section:" + name + " -->" }
func endMarker(name string) string   { return "<!-- /section:" + name + " -->" }

// runSplice puts the section in fromFile into the file into.
func runSplice(into, name, fromFile string) error {
	doc, err := os.ReadFile(into)
	if err != nil {
		return err
	}
	sec, err := os.ReadFile(fromFile)
	if err != nil {
		return err
	}
	out, err := splice(doc, sec, name)
	if err != nil {
		return err
	}
	return os.WriteFile(into, out, 0o644)
}

// splice returns doc with its section name replaced by sec (which must
// start with the begin marker and end with the end marker, a newline
// after it allowed); a doc without the section gets it before its
// "## Analysis" line, or at its end.
func splice(doc, sec []byte, name string) ([]byte, error) {
	begin, end := []byte(beginMarker(name)), []byte(endMarker(name))
	sec = bytes.TrimRight(sec, "\n")
	if !bytes.HasPrefix(sec, begin) || !bytes.HasSuffix(sec, end) || bytes.Count(sec, begin) != 1 || bytes.Count(sec, end) != 1 {
		return nil, fmt.Errorf("the new section %q must start with %s and end with %s, once each", name, begin, end)
	}
	sec = append(sec, '\n')
	i, j := bytes.Index(doc, begin), bytes.Index(doc, end)
	switch {
	case i >= 0 && j > i:
		j += len(end)
		if j < len(doc) && doc[j] == '\n' {
			j++
		}
		return concat(doc[:i], sec, doc[j:]), nil
	case i >= 0 || j >= 0:
		return nil, fmt.Errorf("the document has a broken section %q (markers missing or out of order)", name)
	}
	if k := bytes.Index(doc, []byte("\n## Analysis\n")); k >= 0 {
		return concat(doc[:k+1], sec, []byte("\n"), doc[k+1:]), nil
	}
	if len(doc) > 0 && !bytes.HasSuffix(doc, []byte("\n")) {
		doc = append(doc, '\n')
	}
	return concat(doc, []byte("\n"), sec), nil
}

func concat(parts ...[]byte) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		b.Write(p)
	}
	return b.Bytes()
}
