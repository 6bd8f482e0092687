package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// readTargets reads arguments, files (lines or a CSV column) and stdin,
// and refuses what cannot be right, naming the line.
func TestReadTargets(t *testing.T) {
	lines := writeFile(t, "ids.txt", "\uFEFF# units to offboard\r\nA\r\n\r\n  B  \n#C\nhttps://contoso.sharepoint.com/sites/HR/\n")
	csvFile := writeFile(t, "users.csv", "Name,Mail,Site\nAdele,adele@contoso.com,x\n\"Vance, Alex\",alex@contoso.com,y\n")
	cases := []struct {
		name   string
		args   []string
		tf     targetFlags
		stdin  string
		want   []target
		errMsg string
	}{
		{name: "arguments", args: []string{"A", " B "}, want: []target{{text: "A", where: "argument 1"}, {text: "B", where: "argument 2"}}},
		{name: "lines", tf: targetFlags{from: lines}, want: []target{
			{text: "A", where: lines + ":2"}, {text: "B", where: lines + ":4"}, {text: "https://contoso.sharepoint.com/sites/HR/", where: lines + ":6"}}},
		{name: "csv column", tf: targetFlags{from: csvFile, column: "mail"}, want: []target{
			{text: "adele@contoso.com", where: csvFile + ":2"}, {text: "alex@contoso.com", where: csvFile + ":3"}}},
		{name: "stdin", args: []string{"-"}, stdin: "X\nY\n", want: []target{{text: "X", where: "stdin:1"}, {text: "Y", where: "stdin:2"}}},
		{name: "stdin csv", args: []string{"-"}, tf: targetFlags{column: "id"}, stdin: "id\nX\n", want: []target{{text: "X", where: "stdin:2"}}},
		{name: "arguments and file", args: []string{"Z"}, tf: targetFlags{from: lines}, want: []target{
			{text: "Z", where: "argument 1"}, {text: "A", where: lines + ":2"}, {text: "B", where: lines + ":4"}, {text: "https://contoso.sharepoint.com/sites/HR/", where: lines + ":6"}}},

		{name: "nothing", errMsg: "no targets: give unit IDs"},
		{name: "empty file", tf: targetFlags{from: writeFile(t, "empty.txt", "")}, errMsg: "empty.txt is empty: no targets"},
		{name: "blank file", tf: targetFlags{from: writeFile(t, "blank.txt", "\n  \n\t\n")}, errMsg: "blank.txt is empty: no targets"},
		{name: "only comments", tf: targetFlags{from: writeFile(t, "comments.txt", "# a\n# b\n")}, errMsg: "comments.txt has no targets (only blank lines and # comments)"},
		{name: "empty stdin", args: []string{"-"}, errMsg: "stdin is empty: no targets"},
		{name: "stdin twice", args: []string{"-", "-"}, stdin: "X\n", errMsg: `"-" (stdin) is given twice`},
		{name: "missing file", tf: targetFlags{from: "/nonexistent/ids.txt"}, errMsg: "--from: open /nonexistent/ids.txt: no such file or directory"},
		{name: "csv without the column", tf: targetFlags{from: csvFile, column: "upn"}, errMsg: `users.csv has no column "upn" (its columns: "Name", "Mail", "Site")`},
		{name: "csv header only", tf: targetFlags{from: writeFile(t, "h.csv", "id\n"), column: "id"}, errMsg: "h.csv has a header but no rows"},
		{name: "csv short row", tf: targetFlags{from: writeFile(t, "s.csv", "a,b\n1,2\n3\n"), column: "b"}, errMsg: `s.csv:3: the row has no column "b"`},
		{name: "csv empty cell", tf: targetFlags{from: writeFile(t, "e.csv", "a,b\n1,\n"), column: "b"}, errMsg: "e.csv:2: empty target"},
		{name: "column without file", args: []string{"A"}, tf: targetFlags{column: "id"}, errMsg: "--column needs --from FILE or - (stdin)"},
		{name: "duplicate lines", tf: targetFlags{from: writeFile(t, "dup.txt", "A\nB\nA\n")}, errMsg: `dup.txt:3: duplicate target "A" (already at `},
		{name: "duplicate URL, other case and slash", args: []string{"https://contoso.sharepoint.com/sites/HR", "HTTPS://CONTOSO.SHAREPOINT.COM/sites/hr/"},
			errMsg: `argument 2: duplicate target "HTTPS://CONTOSO.SHAREPOINT.COM/sites/hr/" (already at argument 1)`},
		{name: "duplicate e-mail, other case", args: []string{"adele@contoso.com", "Adele@Contoso.com"}, errMsg: "argument 2: duplicate target"},
		{name: "empty argument", args: []string{"A", "  "}, errMsg: "argument 2: empty target"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &app{streams: streams{in: strings.NewReader(tc.stdin)}}
			got, err := a.readTargets(tc.args, tc.tf)
			if tc.errMsg != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), tc.errMsg)
				code, _ := classify(err, "")
				require.Equal(t, exitUsage, code, "an input error")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// Several problems are listed together, at most maxInputErrors of them.
func TestReadTargetsManyProblems(t *testing.T) {
	content := strings.Repeat("A\n", 30)
	a := &app{streams: streams{in: strings.NewReader(content)}}
	_, err := a.readTargets([]string{"-"}, targetFlags{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "29 problems with the targets:")
	require.Contains(t, err.Error(), "stdin:2: duplicate target")
	require.Contains(t, err.Error(), "… and 9 more")
	require.NotContains(t, err.Error(), "stdin:22:")
}

// resolveAll maps every kind of target to its unit, and names the line of
// every one it cannot map.
func TestResolve(t *testing.T) {
	srv := fake.NewServer(nil)
	srv.SeedPolicies()
	for _, u := range []fake.Unit{
		{ID: "site-1", Kind: models.KindSite, Status: models.StatusUnprotected, SiteWebURL: "https://contoso.sharepoint.com/sites/HR", SiteName: "HR"},
		{ID: "drive-1", Kind: models.KindDrive, Status: models.StatusUnprotected, Email: "Adele@contoso.com", DirectoryObjectID: "user-adele"},
		{ID: "mbx-1", Kind: models.KindMailbox, Status: models.StatusUnprotected, Email: "adele@contoso.com", DirectoryObjectID: "user-adele"},
		{ID: "mbx-2", Kind: models.KindMailbox, Status: models.StatusUnprotected, Email: "alex@contoso.com", DirectoryObjectID: "USER-ALEX"},
		{ID: "Case-ID", Kind: models.KindMailbox, Status: models.StatusUnprotected, Email: "case@contoso.com", DirectoryObjectID: "user-case"},
	} {
		require.NoError(t, srv.AddUnit(u))
	}
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: fake.DefaultBaseURL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	ts := func(texts ...string) []target {
		out := make([]target, len(texts))
		for i, s := range texts {
			out[i] = target{text: s, where: "f:" + string(rune('1'+i))}
		}
		return out
	}
	ids := func(us []*models.ProtectionUnit) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.ID
		}
		return out
	}

	for _, tc := range []struct {
		name    string
		kind    models.UnitKind
		targets []string
		want    []string
		errMsg  []string
	}{
		{name: "every form", targets: []string{"site-1", "https://CONTOSO.sharepoint.com/sites/hr//", "alex@CONTOSO.com", "case-id"},
			errMsg: []string{`f:2: "https://CONTOSO.sharepoint.com/sites/hr//" is the same unit (site-1) as "site-1" at f:1`}},
		{name: "distinct", targets: []string{"site-1", "USER-alex", "case-id"}, want: []string{"site-1", "mbx-2", "Case-ID"}},
		{name: "ambiguous e-mail", targets: []string{"adele@contoso.com"},
			errMsg: []string{`f:1: "adele@contoso.com" is ambiguous: it is a drive unit (drive-1) and a mailbox unit (mbx-1); pass --kind drive or --kind mailbox to choose`}},
		{name: "ambiguous directory object", targets: []string{"user-adele"}, errMsg: []string{`"user-adele" is ambiguous`}},
		{name: "kind picks", kind: models.KindMailbox, targets: []string{"adele@contoso.com", "user-adele"},
			errMsg: []string{`f:2: "user-adele" is the same unit (mbx-1) as "adele@contoso.com" at f:1`}},
		{name: "kind picks drive", kind: models.KindDrive, targets: []string{"adele@contoso.com"}, want: []string{"drive-1"}},
		{name: "kind excludes", kind: models.KindDrive, targets: []string{"site-1"}, errMsg: []string{`f:1: "site-1" is a site unit (site-1), which --kind drive excludes`}},
		{name: "unknown site URL", targets: []string{"https://contoso.sharepoint.com/sites/Finance"},
			errMsg: []string{`f:1: no site unit has the URL "https://contoso.sharepoint.com/sites/Finance"`}},
		{name: "unknown e-mail", targets: []string{"nobody@contoso.com"}, errMsg: []string{`f:1: no drive or mailbox unit has the e-mail address "nobody@contoso.com"`}},
		{name: "unknown ID", targets: []string{"site-2"}, errMsg: []string{`f:1: no unit has the ID or directory object ID "site-2"`}},
		{name: "malformed IDs", targets: []string{"..", "a\x00b", strings.Repeat("x", 1025)}, errMsg: []string{
			`f:1: ".." is not a valid unit ID, site URL or e-mail address`,
			`f:2: "a\x00b" is not a valid unit ID`,
			`f:3: "` + strings.Repeat("x", 80) + `…" is not a valid unit ID`}},
		{name: "all problems at once", targets: []string{"site-1", "..", "https://x.sharepoint.com/sites/none", "site-1 "},
			errMsg: []string{"3 problems with the targets:", "f:2:", "f:3:", "f:4:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ts(tc.targets...)
			for i := range in {
				in[i].text = strings.TrimSpace(in[i].text)
			}
			r, err := loadResolver(t.Context(), c, tc.kind, in)
			require.NoError(t, err)
			us, err := r.resolveAll(t.Context(), in)
			if tc.errMsg != nil {
				require.Error(t, err)
				var ee *exitError
				require.True(t, errors.As(err, &ee))
				require.Equal(t, exitUsage, ee.code)
				for _, m := range tc.errMsg {
					require.Contains(t, err.Error(), m)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(us))
		})
	}
}

// The resolver keeps only the units the targets can name: the tool's
// memory grows with the targets, not with the tenant (issue 20's budget of
// 64 MiB + 4 KiB per unit of the run).
func TestResolverHoldsOnlyNamedUnits(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(&fake.Options{Seed: 4})
	all := srv.Seed(2000)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: fake.DefaultBaseURL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	var in []target
	for i, u := range all[:30] {
		text := u.ID
		switch {
		case u.SiteWebURL != "" && i%2 == 0:
			text = strings.ToUpper(u.SiteWebURL) + "/"
		case u.Email != "" && i%2 == 0:
			text = strings.ToUpper(u.Email)
		}
		in = append(in, target{text: text, where: "arg"})
	}
	r, err := loadResolver(t.Context(), c, models.KindUnknown, in)
	require.NoError(t, err)
	require.LessOrEqual(t, len(r.byID), 60, "held %d of 2,000 units for 30 targets", len(r.byID))
	got, err := r.resolveAll(t.Context(), in)
	require.NoError(t, err)
	require.Len(t, got, 30)
}
