// Command sections writes the BENCHMARKS.md sections of the throttled
// bulk benchmarks and the scale measurements (issue 15) and of the
// offboarding run (issue 14.11), and splices a section into an existing
// BENCHMARKS.md, so they can be regenerated without rerunning everything
// else (report.sh ONLY=…).
//
//	go run ./internal/sections throttle -in DIR -svg DIR [-svgref PREFIX]
//	go run ./internal/sections scale -in FILE
//	go run ./internal/sections lifecycle -in DIR
//	go run ./internal/sections journal -in DIR
//	go run ./internal/sections splice -into FILE -name NAME -from FILE
//
// throttle reads BenchmarkThrottledBulk's records (-throttle.out) and
// prints the Markdown table and targets, writing one SVG plot per
// throttling limit into -svg (linked as -svgref + file name). scale reads
// the scale tests' records (-scale.out) and prints their tables.
// lifecycle reads BenchmarkOffboardRun's records (-lifecycle.out) and
// prints its table, stages and targets. journal reads BenchmarkJournal's
// records (-journal.out) and prints its tables and targets. splice
// replaces the section NAME of FILE (the lines from "<!-- section:NAME -->"
// to "<!-- /section:NAME -->") with the contents of -from, which must hold
// those markers; without one in FILE, it goes before "## Analysis" (or at
// the end).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var err error
	switch os.Args[1] {
	case "throttle":
		in := fs.String("in", "", "directory of BenchmarkThrottledBulk's records")
		svg := fs.String("svg", "", "directory to write the plots into")
		ref := fs.String("svgref", "bench/", "prefix of the plots' links in the Markdown")
		_ = fs.Parse(os.Args[2:])
		if *in == "" || *svg == "" {
			usage()
		}
		err = runThrottle(os.Stdout, *in, *svg, *ref)
	case "scale":
		in := fs.String("in", "", "the scale tests' records (JSON)")
		_ = fs.Parse(os.Args[2:])
		if *in == "" {
			usage()
		}
		err = runScale(os.Stdout, *in)
	case "lifecycle":
		in := fs.String("in", "", "directory of BenchmarkOffboardRun's records")
		_ = fs.Parse(os.Args[2:])
		if *in == "" {
			usage()
		}
		err = runLifecycle(os.Stdout, *in)
	case "journal":
		in := fs.String("in", "", "directory of BenchmarkJournal's records")
		_ = fs.Parse(os.Args[2:])
		if *in == "" {
			usage()
		}
		err = runJournal(os.Stdout, *in)
	case "splice":
		into := fs.String("into", "", "the Markdown file to change")
		name := fs.String("name", "", "the section's name")
		from := fs.String("from", "", "the section's new text, markers included")
		_ = fs.Parse(os.Args[2:])
		if *into == "" || *name == "" || *from == "" {
			usage()
		}
		err = runSplice(*into, *name, *from)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sections:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: sections throttle -in DIR -svg DIR [-svgref PREFIX]
       sections scale -in FILE
       sections lifecycle -in DIR
       sections journal -in DIR
       sections splice -into FILE -name NAME -from FILE`)
	os.Exit(2)
}
