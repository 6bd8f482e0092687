package onboarding_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	backuprestore "github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/onboarding"
)

// rig is an emulator whose clock moves by a job's delay before every read
// of a job, so that a run's waits end at their first poll, on the
// emulator's clock.
func rig(t *testing.T) (*fake.Server, *backuprestore.Client) {
	t.Helper()
	srv := fake.NewServer(nil)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{HTTPClient: &http.Client{Transport: clockOnJobReads{srv, srv.Transport()}}})
	require.NoError(t, err)
	return srv, c
}

// clockOnJobReads advances the emulator's clock before every GET of a job.
type clockOnJobReads struct {
	srv  *fake.Server
	next http.RoundTripper
}

func (c clockOnJobReads) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "BulkAdditionJobs/") {
		c.srv.Advance(fake.DefaultJobDelay)
	}
	return c.next.RoundTrip(r)
}

var fastWait = &backuprestore.JobWaitOptions{PollInterval: 5 * time.Millisecond, MaxPollInterval: 10 * time.Millisecond}

func count(srv *fake.Server, r fake.Route) int {
	n := 0
	for _, q := range srv.Requests() {
		if q.Route == r {
			n++
		}
	}
	return n
}

// Every line is accounted for: protected, already in this policy, in
// another policy, not found; jobs of JobSize.
func TestOnboardReportsEveryLine(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	ctx := t.Context()
	sites, _ := srv.SeedDirectory(25)
	other, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Other", sites[24].ID))
	require.NoError(t, err)
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Target", sites[23].ID))
	require.NoError(t, err)
	var targets []string
	for i := range 20 {
		targets = append(targets, sites[i].WebURL)
	}
	targets = append(targets, sites[20].ID, sites[21].ID, "https://contoso.sharepoint.com/sites/nowhere", sites[23].WebURL, sites[24].WebURL)
	run := onboarding.New(c, &onboarding.Options{JobSize: 10, Wait: fastWait})
	res, err := run.Onboard(ctx, pol.ID, targets)
	require.NoError(t, err)
	require.Len(t, res.Items, len(targets))
	require.Len(t, res.Jobs, 3)
	require.Equal(t, 3, count(srv, fake.RouteJobCreate))
	for i, it := range res.Items {
		require.Equal(t, i, it.Line)
		require.Equal(t, targets[i], it.Target)
		switch {
		case i < 22:
			require.Equal(t, offboarding.OutcomeDone, it.Outcome, it.Target)
			require.Equal(t, onboarding.ReasonProtected, it.Reason)
		case i == 22:
			require.Equal(t, offboarding.OutcomeFailed, it.Outcome)
			require.Equal(t, onboarding.ReasonNotFound, it.Reason)
			require.Equal(t, "SiteUrlNotFound", it.Code)
			require.ErrorIs(t, it.Err, backuprestore.ErrNotFound)
		case i == 23:
			require.Equal(t, offboarding.OutcomeAlready, it.Outcome)
			require.Equal(t, onboarding.ReasonAlreadyInPolicy, it.Reason)
		case i == 24:
			require.Equal(t, offboarding.OutcomeAlready, it.Outcome)
			require.Equal(t, onboarding.ReasonInOtherPolicy, it.Reason)
			require.Contains(t, it.Detail, other.ID)
		}
	}
	n := 0
	for _, u := range srv.Units() {
		if u.PolicyID == pol.ID {
			n++
		}
	}
	require.Equal(t, 23, n)
	require.True(t, res.Finished())
}

// Bad input (a line that is neither URL nor ID, a duplicate) fails the
// whole call naming the lines, and nothing is created; with SkipInvalid the
// lines are reported and the rest onboarded.
func TestOnboardBadInput(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	ctx := t.Context()
	_, users := srv.SeedDirectory(3)
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Mail"))
	require.NoError(t, err)
	targets := []string{users[0].Email, "not an address", users[1].ID, users[0].Email}
	j := offboarding.NewMemoryJournal()
	_, err = onboarding.New(c, &onboarding.Options{Journal: j, Wait: fastWait}).Onboard(ctx, pol.ID, targets)
	require.ErrorIs(t, err, backuprestore.ErrInvalidTarget)
	require.ErrorIs(t, err, backuprestore.ErrDuplicateTarget)
	require.Contains(t, err.Error(), `line 2 "not an address"`)
	require.Contains(t, err.Error(), "line 4")
	require.Contains(t, err.Error(), "repeats line 1")
	require.Zero(t, count(srv, fake.RouteJobCreate), "nothing half-applied")
	_, _, err = j.Load(ctx)
	require.ErrorIs(t, err, offboarding.ErrNoRun, "the journal is untouched")

	_, err = onboarding.New(c, nil).Onboard(ctx, "no-such-policy", targets)
	require.ErrorIs(t, err, backuprestore.ErrNotFound)
	require.Contains(t, err.Error(), "no-such-policy")
	_, err = onboarding.New(c, &onboarding.Options{JobSize: backuprestore.MaxTargetsPerJob + 1}).Onboard(ctx, pol.ID, targets)
	require.ErrorIs(t, err, backuprestore.ErrInvalidOptions)

	res, err := onboarding.New(c, &onboarding.Options{SkipInvalid: true, Wait: fastWait}).Onboard(ctx, pol.ID, targets)
	require.NoError(t, err)
	require.Equal(t, offboarding.OutcomeDone, res.Items[0].Outcome)
	require.Equal(t, onboarding.ReasonInvalidTarget, res.Items[1].Reason)
	require.ErrorIs(t, res.Items[1].Err, backuprestore.ErrInvalidTarget)
	require.Equal(t, offboarding.OutcomeDone, res.Items[2].Outcome)
	require.Equal(t, offboarding.OutcomeSkipped, res.Items[3].Outcome)
	require.Equal(t, onboarding.ReasonDuplicateTarget, res.Items[3].Reason)
	require.Equal(t, 1, count(srv, fake.RouteJobCreate))
}

// A job whose create answer is lost and cannot be settled stays in doubt;
// Resume finds it by its name and creates nothing twice.
func TestOnboardResumeFindsTheJobInDoubt(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	ctx := t.Context()
	_, users := srv.SeedDirectory(12)
	pol, err := c.ProtectionPolicies().OneDrive().Create(ctx, models.NewOneDrivePolicy("Drives"))
	require.NoError(t, err)
	var targets []string
	for _, u := range users {
		targets = append(targets, u.Email)
	}
	// The first job is created, its answer lost, and every read-back fails.
	srv.AddFault(fake.Fault{Route: fake.RouteJobCreate, Kind: fake.FaultResetAfter, Count: 1, Probability: 1})
	list := srv.AddFault(fake.Fault{Route: fake.RouteJobList, Kind: fake.FaultStatus, Status: 500})
	j := offboarding.NewMemoryJournal()
	res, err := onboarding.New(c, &onboarding.Options{Journal: j, JobSize: 5, Wait: fastWait}).Onboard(ctx, pol.ID, targets)
	require.NoError(t, err)
	counts := res.Counts()
	require.Equal(t, 5, counts[offboarding.OutcomeUnknown], "the first job's lines are in doubt")
	require.Equal(t, 7, counts[offboarding.OutcomeDone])
	for _, it := range res.Failed() {
		require.ErrorIs(t, it.Err, backuprestore.ErrOutcomeUnknown)
		require.Equal(t, onboarding.ReasonJobInDoubt, it.Reason)
	}
	require.Equal(t, 3, count(srv, fake.RouteJobCreate))
	srv.RemoveFault(list)

	res, err = onboarding.New(c, &onboarding.Options{Journal: j, JobSize: 5, Wait: fastWait}).Resume(ctx)
	require.NoError(t, err)
	require.Equal(t, 12, res.Counts()[offboarding.OutcomeDone])
	require.True(t, res.Finished())
	require.Equal(t, 3, count(srv, fake.RouteJobCreate), "the job in doubt was found, not created again")
	n := 0
	for j, err := range c.ProtectionPolicies().ByID(pol.ID).BulkAdditionJobs().All(ctx, nil) {
		require.NoError(t, err)
		require.Equal(t, models.JobStatusCompleted, j.Status)
		n++
	}
	require.Equal(t, 3, n)
}

// A run stopped after its first job (the process killed) resumes: the
// created job is waited for, the rest created once.
func TestOnboardKilledAndResumed(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	_, users := srv.SeedDirectory(30)
	pol, err := c.ProtectionPolicies().Exchange().Create(t.Context(), models.NewExchangePolicy("Mail"))
	require.NoError(t, err)
	var targets []string
	for _, u := range users {
		targets = append(targets, u.ID)
	}
	j := offboarding.NewMemoryJournal()
	ctx, cancel := context.WithCancel(t.Context())
	creates := 0
	run := onboarding.New(c, &onboarding.Options{Journal: j, JobSize: 10, Wait: fastWait, OnProgress: func(done, total int) {
		if creates++; creates == 1 {
			cancel() // killed right after the first job was created
		}
	}})
	res, err := run.Onboard(ctx, pol.ID, targets)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, res.Finished())
	require.Equal(t, 1, count(srv, fake.RouteJobCreate))

	res, err = onboarding.New(c, &onboarding.Options{Journal: j, JobSize: 10, Wait: fastWait}).Resume(t.Context())
	require.NoError(t, err)
	require.True(t, res.Finished())
	require.Equal(t, 30, res.Counts()[offboarding.OutcomeDone])
	require.Equal(t, 3, count(srv, fake.RouteJobCreate))
	_, err = offboarding.New(c, &offboarding.Options{Journal: j}).Resume(t.Context())
	require.True(t, errors.Is(err, offboarding.ErrOtherAction), fmt.Sprint(err))
}

// StatusOf reports a run from its journal alone, as the run reported it:
// every target's outcome, reason, job and error, before and after a
// resume; the audit fields are in the journal.
func TestStatusOf(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	ctx := t.Context()
	_, users := srv.SeedDirectory(8)
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Mailboxes"))
	require.NoError(t, err)
	targets := []string{"nobody@contoso.com"}
	for _, u := range users {
		targets = append(targets, u.Email)
	}
	srv.AddFault(fake.Fault{Route: fake.RouteJobCreate, Kind: fake.FaultResetAfter, Count: 1, Probability: 1})
	list := srv.AddFault(fake.Fault{Route: fake.RouteJobList, Kind: fake.FaultStatus, Status: 500})
	j := offboarding.NewMemoryJournal()
	opts := &onboarding.Options{Journal: j, JobSize: 4, Wait: fastWait, Operator: "adele@contoso.com", Source: "--from mailboxes.txt",
		CommandLine: "backuprestore onboard Mailboxes --from mailboxes.txt"}
	res, err := onboarding.New(c, opts).Onboard(ctx, pol.ID, targets)
	require.NoError(t, err)
	info, entries, err := j.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, "adele@contoso.com", info.Operator)
	require.Equal(t, "backuprestore onboard Mailboxes --from mailboxes.txt", info.CommandLine)
	require.NotEmpty(t, info.Host)
	st := onboarding.StatusOf(info, entries)
	require.Equal(t, res.Counts(), st.Counts(), "in doubt, done and not found, as the run said")
	require.Equal(t, pol.ID, st.PolicyID)
	for i, it := range st.Items {
		require.Equal(t, res.Items[i].Target, it.Target)
		require.Equal(t, res.Items[i].Outcome, it.Outcome, it.Target)
		require.Equal(t, res.Items[i].Reason, it.Reason, it.Target)
	}
	require.False(t, st.Finished())

	srv.RemoveFault(list)
	res, err = onboarding.New(c, opts).Resume(ctx)
	require.NoError(t, err)
	require.True(t, res.Finished())
	info, entries, err = j.Load(ctx)
	require.NoError(t, err)
	st = onboarding.StatusOf(info, entries)
	require.True(t, st.Finished())
	require.Equal(t, res.Counts(), st.Counts())
	require.ElementsMatch(t, res.Jobs, st.Jobs)
}

// A run's Results name the run's ID, as its journal assigned it.
func TestOnboardRunID(t *testing.T) {
	t.Parallel()
	srv, c := rig(t)
	ctx := t.Context()
	_, users := srv.SeedDirectory(1)
	pol, err := c.ProtectionPolicies().OneDrive().Create(ctx, models.NewOneDrivePolicy("Drives"))
	require.NoError(t, err)
	j := offboarding.NewMemoryJournal()
	res, err := onboarding.New(c, &onboarding.Options{Journal: j, Wait: fastWait}).Onboard(ctx, pol.ID, []string{users[0].Email})
	require.NoError(t, err)
	info, _, err := j.Load(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, info.ID)
	require.Equal(t, info.ID, res.RunID)
}
