package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// target is one unit named on the command line, in a file or on stdin:
// a unit ID, a site URL, an e-mail address or a directory object ID.
type target struct {
	// text is the target as written, trimmed.
	text string
	// where says where it was written, for messages: "argument 2",
	// "sites.txt:14", "stdin:3", "--user 1".
	where string
	// person: the target must name a person (--user): an e-mail address
	// or a directory object ID, every unit of whom it takes.
	person bool
}

// targetFlags are the flags that name targets besides the arguments.
type targetFlags struct {
	from   string
	column string
	kind   string
	// users are the people of --user: each takes every unit of the person
	// (OneDrive and mailbox).
	users []string
	// argBase is how many arguments come before the targets (onboard's
	// policy), so that messages number the targets as the command line
	// does.
	argBase int
}

// maxInputErrors is how many input errors are listed before "… and N more".
const maxInputErrors = 20

// inputErrors collects the problems of a command's input and becomes one
// usage error (exit 2) listing them.
type inputErrors struct{ msgs []string }

// addf records one problem.
func (e *inputErrors) addf(format string, args ...any) {
	e.msgs = append(e.msgs, fmt.Sprintf(format, args...))
}

// err returns the usage error, or nil when there was no problem.
func (e *inputErrors) err() error {
	switch len(e.msgs) {
	case 0:
		return nil
	case 1:
		return usageErrorf("%s", e.msgs[0])
	}
	shown := e.msgs
	more := ""
	if len(shown) > maxInputErrors {
		more = fmt.Sprintf("\n  … and %d more", len(shown)-maxInputErrors)
		shown = shown[:maxInputErrors]
	}
	return usageErrorf("%d problems with the targets:\n  %s%s", len(e.msgs), strings.Join(shown, "\n  "), more)
}

// readTargets collects the targets of args ("-" reads stdin) and
// --from/--column. It fails with a usage error (exit 2) for no targets, an
// empty file, a CSV without the column, a file that cannot be read, or a
// target written twice (naming both places).
func (a *app) readTargets(args []string, tf targetFlags) ([]target, error) {
	var out []target
	stdin := false
	for i, arg := range args {
		if arg == "-" {
			if stdin {
				return nil, usageErrorf(`"-" (stdin) is given twice`)
			}
			stdin = true
			ts, err := readTargetList(a.in, "stdin", tf.column)
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
			continue
		}
		out = append(out, target{text: strings.TrimSpace(arg), where: fmt.Sprintf("argument %d", i+1+tf.argBase)})
	}
	for i, u := range tf.users {
		out = append(out, target{text: strings.TrimSpace(u), where: fmt.Sprintf("--user %d", i+1), person: true})
	}
	if tf.column != "" && tf.from == "" && !stdin {
		return nil, usageErrorf("--column needs --from FILE or - (stdin)")
	}
	if tf.from != "" {
		f, err := os.Open(tf.from)
		if err != nil {
			return nil, usageErrorf("--from: %w", err)
		}
		ts, err := readTargetList(f, tf.from, tf.column)
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		return nil, usageErrorf("no targets: give unit IDs, site URLs or e-mail addresses as arguments, --user ADDRESS, --from FILE, or - to read stdin")
	}
	var ie inputErrors
	seen := make(map[string]string, len(out))
	for _, t := range out {
		if t.text == "" {
			ie.addf("%s: empty target", t.where)
			continue
		}
		key := targetKey(t.text)
		if first, dup := seen[key]; dup {
			ie.addf("%s: duplicate target %q (already at %s)", t.where, t.text, first)
			continue
		}
		seen[key] = t.where
	}
	return out, ie.err()
}

// targetKey is the form in which two targets are the same: URLs and
// e-mail addresses compare case-insensitively, URLs without trailing
// slashes.
func targetKey(s string) string {
	switch {
	case isURL(s):
		return normURL(s)
	case isEmail(s):
		return strings.ToLower(s)
	}
	return s
}

// readTargetList reads one target per line (blank lines and lines starting
// with # skipped) or, when column is set, the column of a CSV file with a
// header row. name is the source's name for messages.
func readTargetList(r io.Reader, name, column string) ([]target, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, usageErrorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, usageErrorf("%s is empty: no targets", name)
	}
	if column != "" {
		return readCSVColumn(data, name, column)
	}
	var out []target
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		out = append(out, target{text: s, where: fmt.Sprintf("%s:%d", name, line)})
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("%s:%d: %w", name, line+1, err)
	}
	if len(out) == 0 {
		return nil, usageErrorf("%s has no targets (only blank lines and # comments)", name)
	}
	return out, nil
}

// readCSVColumn reads the column (matched case-insensitively against the
// header row) of a CSV file.
func readCSVColumn(data []byte, name, column string) ([]target, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, usageErrorf("%s: reading the CSV header: %w", name, err)
	}
	col := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(column)) {
			col = i
			break
		}
	}
	if col < 0 {
		quoted := make([]string, len(header))
		for i, h := range header {
			quoted[i] = fmt.Sprintf("%q", strings.TrimSpace(h))
		}
		return nil, usageErrorf("%s has no column %q (its columns: %s)", name, column, strings.Join(quoted, ", "))
	}
	var out []target
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, usageErrorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if col >= len(rec) {
			return nil, usageErrorf("%s:%d: the row has no column %q (it has %d fields)", name, line, header[col], len(rec))
		}
		out = append(out, target{text: strings.TrimSpace(rec[col]), where: fmt.Sprintf("%s:%d", name, line)})
	}
	if len(out) == 0 {
		return nil, usageErrorf("%s has a header but no rows: no targets", name)
	}
	return out, nil
}

// isURL reports whether s is written as an http(s) URL.
func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// isEmail reports whether s is written as an e-mail address.
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, "/ ")
}

// normURL is a site URL's form for matching: lower case, no trailing
// slashes.
func normURL(s string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), "/") }

// resolver matches targets against the tenant's units, listed once.
type resolver struct {
	c    *backuprestore.Client
	kind models.UnitKind
	// people: an e-mail address or directory object ID that names both a
	// person's OneDrive and mailbox takes both (offboard, cancel-offboard);
	// otherwise it is ambiguous (units get).
	people  bool
	byID    map[string]*models.ProtectionUnit
	byIDCI  map[string][]*models.ProtectionUnit
	byURL   map[string][]*models.ProtectionUnit
	byEmail map[string][]*models.ProtectionUnit
	byDir   map[string][]*models.ProtectionUnit
}

// loadResolver lists every unit once, keeping only the units one of
// targets can name (by ID, site URL, e-mail address or directory object
// ID, in any case): a tenant's other units are not held in memory, so the
// tool's memory grows with the targets, not with the tenant. It fails as
// the listing does.
func loadResolver(ctx context.Context, c *backuprestore.Client, kind models.UnitKind, targets []target) (*resolver, error) {
	r := &resolver{c: c, kind: kind, byID: map[string]*models.ProtectionUnit{}, byIDCI: map[string][]*models.ProtectionUnit{},
		byURL: map[string][]*models.ProtectionUnit{}, byEmail: map[string][]*models.ProtectionUnit{}, byDir: map[string][]*models.ProtectionUnit{}}
	wanted := make(map[string]struct{}, 2*len(targets))
	for _, t := range targets {
		wanted[strings.ToLower(t.text)] = struct{}{}
		if isURL(t.text) {
			wanted[normURL(t.text)] = struct{}{}
		}
	}
	named := func(u *models.ProtectionUnit) bool {
		for _, k := range []string{strings.ToLower(u.ID), strings.ToLower(u.Email), strings.ToLower(u.DirectoryObjectID)} {
			if _, ok := wanted[k]; ok && k != "" {
				return true
			}
		}
		if u.SiteWebURL != "" {
			_, ok := wanted[normURL(u.SiteWebURL)]
			return ok
		}
		return false
	}
	for u, err := range c.ProtectionUnits().All(ctx, &backuprestore.ListOptions{Top: 999}) {
		if err != nil {
			return nil, fmt.Errorf("listing the protection units to resolve the targets: %w", err)
		}
		if !named(u) {
			continue
		}
		// A copy: a listing's units share allocations with their page's
		// other units (models decodes them 64 to a chunk), and holding one
		// would hold them all.
		cp := *u
		u = &cp
		r.byID[u.ID] = u
		r.byIDCI[strings.ToLower(u.ID)] = append(r.byIDCI[strings.ToLower(u.ID)], u)
		if u.SiteWebURL != "" {
			r.byURL[normURL(u.SiteWebURL)] = append(r.byURL[normURL(u.SiteWebURL)], u)
		}
		if u.Email != "" {
			r.byEmail[strings.ToLower(u.Email)] = append(r.byEmail[strings.ToLower(u.Email)], u)
		}
		if u.DirectoryObjectID != "" {
			r.byDir[strings.ToLower(u.DirectoryObjectID)] = append(r.byDir[strings.ToLower(u.DirectoryObjectID)], u)
		}
	}
	return r, nil
}

// resolveAll resolves every target, in order; a person's target gives
// each of the person's units (drive, then mailbox). It fails with a usage
// error (exit 2) listing every target that names no unit, is malformed, is
// ambiguous, is of a kind --kind excludes, names a unit another target
// names too, or (--user) names no person.
func (r *resolver) resolveAll(ctx context.Context, targets []target) ([]*models.ProtectionUnit, error) {
	var ie inputErrors
	out := make([]*models.ProtectionUnit, 0, len(targets))
	first := make(map[string]target, len(targets))
	for _, t := range targets {
		us, msg := r.resolve(ctx, t)
		if msg != "" {
			ie.addf("%s: %s", t.where, msg)
			continue
		}
		for _, u := range us {
			if prev, dup := first[u.ID]; dup {
				ie.addf("%s: %q is the same unit (%s) as %q at %s", t.where, t.text, u.ID, prev.text, prev.where)
				continue
			}
			first[u.ID] = t
			out = append(out, u)
		}
	}
	return out, ie.err()
}

// resolve returns the units t names, or the problem in words.
func (r *resolver) resolve(ctx context.Context, t target) ([]*models.ProtectionUnit, string) {
	s := t.text
	switch {
	case isURL(s):
		if t.person {
			return nil, fmt.Sprintf("--user takes a person's e-mail address or directory object ID, not a site URL (%q)", clip(s))
		}
		return r.pick(s, "site URL", r.byURL[normURL(s)])
	case isEmail(s):
		return r.pick(s, "e-mail address", r.byEmail[strings.ToLower(s)])
	}
	if _, err := r.c.ProtectionUnits().ByID(s).ToGetRequestInformation(ctx, nil); errors.Is(err, backuprestore.ErrInvalidProtectionUnitID) {
		return nil, fmt.Sprintf("%q is not a valid unit ID, site URL or e-mail address (%v)", clip(s), err)
	}
	if t.person {
		if us := r.byDir[strings.ToLower(s)]; len(us) > 0 {
			return r.pick(s, "directory object ID", us)
		}
		return nil, fmt.Sprintf("no drive or mailbox unit has the directory object ID %q (--user takes a person's e-mail address or directory object ID)", clip(s))
	}
	if u, ok := r.byID[s]; ok {
		return r.pick(s, "ID", []*models.ProtectionUnit{u})
	}
	if us := r.byIDCI[strings.ToLower(s)]; len(us) > 0 {
		return r.pick(s, "ID", us)
	}
	return r.pick(s, "ID or directory object ID", r.byDir[strings.ToLower(s)])
}

// pick chooses among the units a target matched, applying --kind: one
// unit, or (people) a person's drive and mailbox.
func (r *resolver) pick(s, what string, us []*models.ProtectionUnit) ([]*models.ProtectionUnit, string) {
	if len(us) == 0 {
		switch what {
		case "site URL":
			return nil, fmt.Sprintf("no site unit has the URL %q", clip(s))
		case "e-mail address":
			return nil, fmt.Sprintf("no drive or mailbox unit has the e-mail address %q", clip(s))
		}
		return nil, fmt.Sprintf("no unit has the %s %q", what, clip(s))
	}
	var match []*models.ProtectionUnit
	for _, u := range us {
		if r.kind == models.KindUnknown || u.Kind() == r.kind {
			match = append(match, u)
		}
	}
	switch len(match) {
	case 1:
		return match, ""
	case 0:
		return nil, fmt.Sprintf("%q is a %s unit (%s), which --kind %s excludes", clip(s), us[0].Kind(), us[0].ID, r.kind)
	}
	kinds := make([]string, 0, len(match))
	for _, u := range match {
		if k := u.Kind().String(); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	person := what == "e-mail address" || what == "directory object ID" || what == "ID or directory object ID"
	if r.people && person && len(kinds) == len(match) && !slices.Contains(kinds, models.KindSite.String()) {
		// A person's OneDrive and mailbox: both, drive first.
		slices.SortStableFunc(match, func(a, b *models.ProtectionUnit) int { return int(a.Kind()) - int(b.Kind()) })
		return match, ""
	}
	parts := make([]string, len(match))
	for i, u := range match {
		parts[i] = fmt.Sprintf("a %s unit (%s)", u.Kind(), u.ID)
	}
	hint := "pass its unit ID instead"
	if len(kinds) == len(match) && r.kind == models.KindUnknown {
		hint = "pass --kind " + strings.Join(kinds, " or --kind ") + " to choose"
	}
	return nil, fmt.Sprintf("%q is ambiguous: it is %s; %s", clip(s), strings.Join(parts, " and "), hint)
}

// clip shortens s for a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
