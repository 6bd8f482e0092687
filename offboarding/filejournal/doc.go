// Package filejournal keeps offboarding runs in a crash-safe file: an
// offboarding.Journal and offboarding.History for a process on one
// machine (the command-line tool's journal).
//
//	j, err := filejournal.Open(path, nil) // one writer at a time
//	defer j.Close()
//	run := offboarding.New(c, &offboarding.Options{Journal: j})
//
// The file is an append-only log of checksummed frames; concurrent Record
// calls share one write and one fdatasync (group commit); a torn last
// write is dropped on open; a run that ends may compact the file.
package filejournal
