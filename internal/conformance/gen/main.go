// Command gen regenerates the conformance test's CSDL excerpt from
// Microsoft Graph's full v1.0 metadata (see conformance.Trim):
//
//	go run ./internal/conformance/gen -in graph-v1.0-csdl.xml -out internal/conformance/testdata/backuprestore-v1.0.xml
//
// go generate ./internal/conformance runs it with the copy of the full file
// beside the repository (../shared/reference/graph-v1.0-csdl.xml, see
// conformance.Source for where it comes from). It fails, writing nothing,
// when the input cannot be read or trimmed.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/m365kit/backuprestore/internal/conformance"
)

func main() {
	in := flag.String("in", "", "the full v1.0 CSDL (clean_v10_metadata/cleanMetadata.xml)")
	out := flag.String("out", "", "the excerpt to write")
	flag.Parse()
	if *in == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -in FULL.xml -out EXCERPT.xml")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run trims in into out.
func run(in, out string) error {
	full, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	ex, err := conformance.Trim(full)
	if err != nil {
		return err
	}
	return os.WriteFile(out, ex, 0o644)
}
