package pgtest

// runAs is the user the throwaway cluster runs as when the tests run as
// root (initdb refuses root).
type runAs struct{ uid, gid uint32 }
