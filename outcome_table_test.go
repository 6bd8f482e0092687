package backuprestore

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/internal/middleware"
	"github.com/m365kit/backuprestore/models"
)

// The characterisation of the outcome table: every combination of an
// attempt's facts (and of a read-back's) matches exactly one row below,
// and gets that row's decision. A "*" matches anything. The single action,
// the $batch scheduler and the policy PATCH all go through decide and
// settleRead, so these rows are what each of them does.

// decideRows: wire status usable itemized permanent ctx inDoubt triesLeft → disposition [+acted] [+stop].
// wire is ns (not sent), ms (written, no answer) or an (answered).
var decideRows = `
ns  *    *  *  perm  *    doubt   *     → unknown +stop
ns  *    *  *  perm  *    -       *     → notSent +stop
ns  *    *  *  -     ctx  doubt   *     → unknown
ns  *    *  *  -     ctx  -       *     → notSent
ns  *    *  *  -     -    doubt   -     → unknown
ns  *    *  *  -     -    -       -     → notSent
ns  *    *  *  -     -    *       tries → retry
ms  *    *  *  *     ctx  *       *     → unknown +acted
ms  *    *  *  *     -    *       *     → readBack +acted
an  2xx  ok *  *     *    *       *     → success
an  2xx  -  it *     *    *       *     → readBack +acted
an  2xx  -  -  *     *    *       *     → successRead
an  429  *  *  *     -    *       tries → retry
an  429  *  *  *     ctx  doubt   *     → readBack
an  429  *  *  *     ctx  -       *     → notSent
an  429  *  *  *     -    doubt   -     → readBack
an  429  *  *  *     -    -       -     → answer
an  424  *  *  *     -    *       tries → retry
an  424  *  *  *     ctx  doubt   *     → readBack
an  424  *  *  *     ctx  -       *     → notSent
an  424  *  *  *     -    doubt   -     → readBack
an  424  *  *  *     -    -       -     → answer
an  503  *  *  *     -    *       tries → retry +acted
an  503  *  *  *     ctx  *       tries → readBack +acted
an  503  *  *  *     *    *       -     → readBack +acted
an  408  *  *  *     *    *       *     → readBack +acted
an  500  *  *  *     *    *       *     → readBack +acted
an  502  *  *  *     *    *       *     → readBack +acted
an  504  *  *  *     *    *       *     → readBack +acted
an  4xx  *  *  *     *    doubt   *     → readBack
an  4xx  *  *  *     *    -       *     → answer
`

// The statuses each class of the table stands for.
var statusClass = map[string][]int{
	"2xx": {200, 201, 202, 204}, "429": {429}, "424": {424}, "503": {503}, "408": {408},
	"500": {500}, "502": {502}, "504": {504}, "4xx": {400, 401, 403, 404, 409, 413},
}

type decideRow struct {
	fields []string
	want   string
}

func parseRows(t *testing.T, text string, n int) []decideRow {
	var rows []decideRow
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		lhs, rhs, ok := strings.Cut(line, "→")
		require.True(t, ok, line)
		f := strings.Fields(lhs)
		require.Len(t, f, n, line)
		rows = append(rows, decideRow{f, strings.Join(strings.Fields(rhs), " ")})
	}
	return rows
}

func match(pattern, value string) bool { return pattern == "*" || pattern == value }

func flag(b bool, name string) string {
	if b {
		return name
	}
	return "-"
}

func TestDecideTable(t *testing.T) {
	t.Parallel()
	rows := parseRows(t, decideRows, 8)
	used := make([]bool, len(rows))
	combos := 0
	for _, wire := range []middleware.SendState{middleware.NotSent, middleware.MaybeSent, middleware.SendUnknown, middleware.Answered} {
		w := map[middleware.SendState]string{middleware.NotSent: "ns", middleware.MaybeSent: "ms", middleware.SendUnknown: "ms", middleware.Answered: "an"}[wire]
		classes := []string{"*"}
		if wire == middleware.Answered {
			classes = []string{"2xx", "429", "424", "503", "408", "500", "502", "504", "4xx"}
		}
		for _, class := range classes {
			statuses := statusClass[class]
			if statuses == nil {
				statuses = []int{0}
			}
			for _, status := range statuses {
				for _, bits := range allBools(5) {
					usable, itemized, permanent, ctx, doubt := bits[0], bits[1], bits[2], bits[3], bits[4]
					for _, tries := range []bool{false, true} {
						f := attemptFacts{wire: wire, permanent: permanent, status: status, usable: usable, itemized: itemized,
							ctxEnded: ctx, inDoubt: doubt, triesLeft: tries}
						key := []string{w, class, flag(usable, "ok"), flag(itemized, "it"), flag(permanent, "perm"),
							flag(ctx, "ctx"), flag(doubt, "doubt"), flag(tries, "tries")}
						var hit []int
						for i, r := range rows {
							ok := true
							for k, p := range r.fields {
								if k == 1 && p != "*" && class == "*" {
									continue
								}
								if !match(p, key[k]) {
									ok = false
									break
								}
							}
							if ok {
								hit = append(hit, i)
							}
						}
						require.Len(t, hit, 1, "facts %v (status %d) must match exactly one row, matched %v", key, status, hit)
						used[hit[0]] = true
						combos++
						d := decide(f)
						got := d.disp.String()
						if d.maybeActed {
							got += " +acted"
						}
						if d.stopAll {
							got += " +stop"
						}
						require.Equal(t, rows[hit[0]].want, got, "facts %v (status %d)", key, status)
					}
				}
			}
		}
	}
	for i, u := range used {
		require.True(t, u, "row %d (%v) is never reached", i, rows[i].fields)
	}
	t.Logf("%d rows, %d combinations of facts", len(rows), combos)
}

// settleRows: read verdict acked answer triesLeft → disposition.
var settleRows = `
*         *           acked  *       *     → success
failed    *           -      *       *     → unknown
notFound  *           -      *       *     → answer
ok        applied     -      *       *     → success
ok        alreadySo   -      *       *     → already
ok        cannotTell  -      *       *     → unknown
ok        notApplied  -      answer  *     → answer
ok        notApplied  -      -       tries → retry
ok        notApplied  -      -       -     → unknown
`

func TestSettleReadTable(t *testing.T) {
	t.Parallel()
	rows := parseRows(t, settleRows, 5)
	used := make([]bool, len(rows))
	reads := map[readState]string{readOK: "ok", readNotFound: "notFound", readFailed: "failed"}
	verdicts := map[verdict]string{applied: "applied", notApplied: "notApplied", cannotTell: "cannotTell", alreadySo: "alreadySo"}
	combos := 0
	for rs, rname := range reads {
		for v, vname := range verdicts {
			for _, bits := range allBools(3) {
				acked, answer, tries := bits[0], bits[1], bits[2]
				key := []string{rname, vname, flag(acked, "acked"), flag(answer, "answer"), flag(tries, "tries")}
				var hit []int
				for i, r := range rows {
					ok := true
					for k, p := range r.fields {
						if !match(p, key[k]) {
							ok = false
						}
					}
					if ok {
						hit = append(hit, i)
					}
				}
				require.Len(t, hit, 1, "read %v must match exactly one row, matched %v", key, hit)
				used[hit[0]] = true
				combos++
				got := settleRead(readFacts{read: rs, verdict: v, acked: acked, answer: answer, triesLeft: tries})
				require.Equal(t, rows[hit[0]].want, got.String(), "read %v", key)
			}
		}
	}
	for i, u := range used {
		require.True(t, u, "row %d (%v) is never reached", i, rows[i].fields)
	}
	t.Logf("%d rows, %d combinations", len(rows), combos)
}

// allBools returns every combination of n booleans.
func allBools(n int) [][]bool {
	out := make([][]bool, 0, 1<<n)
	for m := range 1 << n {
		b := make([]bool, n)
		for i := range n {
			b[i] = m&(1<<i) != 0
		}
		out = append(out, b)
	}
	return out
}

// The three drivers read the same row of the table alike: the service
// answered 2xx to the write, its body was unusable, and every read-back
// failed. A single action and a $batch item each stand for one change, so
// the 2xx is the success (without the unit); a policy PATCH's 2xx may
// refuse items one by one in its body (@Core.DataModificationException),
// so it proves no single change (itemized): its items stay in doubt.
func TestDriversAgreeOnAnUnusable2xxWhoseReadBackFails(t *testing.T) {
	t.Parallel()
	fastReads := &Options{Retry: RetryOptions{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond}}
	t.Run("single action", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{units: 50, fake: &fake.Options{Seed: 3}, client: fastReads})
		id := offboardable(t, rig.srv)
		rig.srv.AddFault(fake.Fault{Route: fake.RouteOffboard, Kind: fake.FaultTruncatedBody, Count: 1})
		rig.srv.AddFault(fake.Fault{Route: fake.RouteGet, Kind: fake.FaultStatus, Status: 500})
		var meta Response
		u, err := rig.c.ProtectionUnits().ByID(id).Offboard().Post(WithCaptureResponse(t.Context(), &meta), nil)
		require.NoError(t, err, "the 2xx is the evidence: applied")
		require.Nil(t, u, "the unit could not be had")
		require.True(t, meta.Reconciled)
		require.Equal(t, 1, causes(rig.srv)[id][fake.CauseOffboard], "sent once")
	})
	t.Run("$batch item", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{units: 50, fake: &fake.Options{Seed: 3}, client: fastReads})
		id := offboardable(t, rig.srv)
		// The service applies the offboard; its item comes back 200 with
		// a body that is no unit.
		rig.tr.add(fault{match: posts("/$batch"), count: 1, replace: &step{status: 200,
			body: `{"responses":[{"id":"0","status":200,"headers":{"Content-Type":"application/json"},"body":"<html>cut</html>"}]}`}})
		rig.srv.AddFault(fake.Fault{Route: fake.RouteGet, InBatch: true, Kind: fake.FaultStatus, Status: 500})
		res := rig.c.ProtectionUnits().OffboardAll(t.Context(), []string{id}, &BulkOptions{MaxAttempts: 2})
		require.NoError(t, res[0].Err, "the 2xx is the evidence: applied")
		require.Nil(t, res[0].Unit)
		require.True(t, res[0].Reconciled)
		require.Equal(t, 1, causes(rig.srv)[id][fake.CauseOffboard], "sent once")
	})
	t.Run("policy PATCH", func(t *testing.T) {
		t.Parallel()
		rig := newRig(t, rigOptions{units: 200, fake: &fake.Options{Seed: 3}, client: fastReads})
		var pol fake.Policy
		var id string
		for _, u := range rig.srv.Units() {
			if u.Status == models.StatusProtected && u.PolicyID != "" && !models.ParseProtectionSources(u.ProtectionSources).Has(models.SourceDynamicRule) {
				id = u.ID
				pol, _ = rig.srv.Policy(u.PolicyID)
				break
			}
		}
		require.NotEmpty(t, id)
		rig.srv.AddFault(fake.Fault{Route: fake.RoutePolicyPatch, Kind: fake.FaultTruncatedBody, Count: 1})
		rig.srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultStatus, Status: 500})
		res, err := rig.c.ProtectionPolicies().ByID(pol.ID).RemoveUnits(t.Context(), []string{id}, &PolicyChangeOptions{MaxAttempts: 2})
		require.NoError(t, err)
		require.ErrorIs(t, res[0].Err, ErrOutcomeUnknown, "a PATCH's 2xx proves no single item; the read-back could not settle it")
		require.Equal(t, 1, causes(rig.srv)[id][fake.CauseRemove], "applied once, and not sent again")
	})
}
