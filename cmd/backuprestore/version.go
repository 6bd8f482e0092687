package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
)

// buildInfo is what "version" (and --version) prints: the version, the
// commit it was built from and the Go toolchain.
type buildInfo struct {
	// Version is the SDK's version (backuprestore.Version), or the module
	// version go install recorded when that is a release.
	Version string `json:"version"`
	// Commit is the VCS revision (with "-dirty" when the tree had
	// changes), "" when the build recorded none (go install of a module
	// version records none: its version then names it).
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commitTime,omitempty"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// readBuildInfo is what this binary knows of its build.
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: backuprestore.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return bi
	}
	if v := info.Main.Version; v != "" && v != "(devel)" && !strings.Contains(v, "+dirty") {
		bi.Version = strings.TrimPrefix(v, "v")
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			bi.Commit = s.Value
		case "vcs.time":
			bi.CommitTime = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && bi.Commit != "" {
		bi.Commit += "-dirty"
	}
	return bi
}

// text is the build info for people, one fact per line.
func (bi buildInfo) text() string {
	commit := bi.Commit
	if commit == "" {
		commit = "unknown (not built from a VCS checkout)"
	} else if bi.CommitTime != "" {
		commit += " (" + bi.CommitTime + ")"
	}
	return fmt.Sprintf("backuprestore %s\ncommit: %s\ngo: %s %s\n", bi.Version, commit, bi.GoVersion, bi.Platform)
}

// versionCommand is "version".
func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from and the Go version",
		Long: `Print the tool's version, the commit it was built from (with -dirty when the
working tree had changes) and the Go toolchain and platform. -o json prints
them as one object. "backuprestore --version" prints the same text.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := readBuildInfo()
			if a.g.output == "json" || a.g.output == "jsonl" {
				b, err := jsonIndent(bi)
				if err != nil {
					return err
				}
				if a.g.output == "jsonl" {
					b, err = jsonCompact(bi)
					if err != nil {
						return err
					}
				}
				_, err = fmt.Fprintf(a.out, "%s\n", b)
				return err
			}
			_, err := fmt.Fprint(a.out, bi.text())
			return err
		},
	}
}
