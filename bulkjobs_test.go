package backuprestore

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// A job adds what the tenant has and no policy protects, and reports the
// rest item by item, with the input each failure came from.
func TestBulkAdditionJobAgainstEmulator(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	sites, _ := srv.SeedDirectory(4)
	ctx := t.Context()
	other, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Other", sites[3].ID))
	require.NoError(t, err)
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Target"))
	require.NoError(t, err)
	jobs := c.ProtectionPolicies().SharePoint().ByID(pol.ID).BulkAdditionJobs()
	unknownURL := "https://contoso.sharepoint.com/sites/nowhere"
	job, err := jobs.Create(ctx, []string{sites[0].WebURL, sites[1].ID, unknownURL, sites[3].WebURL, " " + sites[2].WebURL + " "})
	require.NoError(t, err)
	require.Equal(t, models.JobStatusActive, job.Status)
	require.Equal(t, models.KindSite, job.Kind())
	require.Equal(t, []string{sites[0].WebURL, unknownURL, sites[3].WebURL, sites[2].WebURL}, job.SiteWebURLs)
	require.Equal(t, []string{sites[1].ID}, job.SiteIDs)

	srv.Advance(fake.DefaultJobDelay)
	done, err := c.BulkAdditionJobs().Sites().ByID(job.ID).Wait(ctx, &JobWaitOptions{PollInterval: 1})
	require.NoError(t, err)
	require.Equal(t, models.JobStatusCompletedWithErrors, done.Status)
	fails := done.Failures()
	require.Len(t, fails, 2)
	byInput := map[string]models.JobItemFailure{}
	for _, f := range fails {
		byInput[f.Input] = f
	}
	require.Equal(t, "SiteUrlNotFound", byInput[unknownURL].Code)
	require.Equal(t, CodeProtectionUnitAlreadyExists, byInput[sites[3].WebURL].Code)
	require.Contains(t, byInput[sites[3].WebURL].Message, other.ID)
	require.Len(t, unitsOfPolicy(srv, pol.ID), 3)

	n := 0
	for j, err := range jobs.All(ctx, nil) {
		require.NoError(t, err)
		require.Equal(t, job.ID, j.ID)
		n++
	}
	require.Equal(t, 1, n)
}

// Wait returns the job as soon as it is final (the emulator's clock moves
// by a job's delay on every read); a timeout and an unknown job are typed.
func TestBulkAdditionJobWait(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(nil)
	_, users := srv.SeedDirectory(2)
	c, err := NewClient(fake.NewDelegatedCredential(), &Options{HTTPClient: &http.Client{Transport: clockOnReads{srv, srv.Transport()}}})
	require.NoError(t, err)
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().Exchange().Create(ctx, models.NewExchangePolicy("Mail"))
	require.NoError(t, err)
	job, err := c.ProtectionPolicies().Exchange().ByID(pol.ID).BulkAdditionJobs().Create(ctx, []string{users[0].Email, users[1].ID})
	require.NoError(t, err)
	var polls int
	done, err := c.BulkAdditionJobs().Mailboxes().ByID(job.ID).Wait(ctx, &JobWaitOptions{PollInterval: time.Millisecond, OnPoll: func(*models.BulkAdditionJob) { polls++ }})
	require.NoError(t, err)
	require.Equal(t, models.JobStatusCompleted, done.Status)
	require.Empty(t, done.Failures())
	require.Equal(t, 1, polls, "the first read finds it final")

	_, err = c.BulkAdditionJobs().Mailboxes().ByID("nope").Wait(ctx, &JobWaitOptions{PollInterval: time.Millisecond})
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.BulkAdditionJobs().Mailboxes().ByID("").Wait(ctx, nil)
	require.ErrorIs(t, err, ErrInvalidJobID)
	_, err = c.BulkAdditionJobs().Mailboxes().ByID("x").Wait(ctx, &JobWaitOptions{Timeout: -1})
	require.ErrorIs(t, err, ErrInvalidOptions)
}

// clockOnReads moves the emulator's clock by a job's delay before every
// GET, so that a job waited for finishes on the emulator's clock.
type clockOnReads struct {
	srv  *fake.Server
	next http.RoundTripper
}

func (c clockOnReads) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.srv.Advance(fake.DefaultJobDelay)
	}
	return c.next.RoundTrip(r)
}

// Targets are sorted into the members the service expects, and bad ones
// are refused before anything is sent, naming the target.
func TestBulkAdditionJobTargets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kind    models.UnitKind
		targets []string
		want    error
		mention string
	}{
		{models.KindSite, []string{"https://contoso.sharepoint.com/sites/a", "not a site"}, ErrInvalidTarget, `"not a site"`},
		{models.KindSite, []string{"alice@contoso.com"}, ErrInvalidTarget, "alice@contoso.com"},
		{models.KindDrive, []string{"https://contoso.sharepoint.com/sites/a"}, ErrInvalidTarget, "neither an e-mail address"},
		{models.KindMailbox, []string{"bob@contoso.com", "BOB@contoso.com"}, ErrDuplicateTarget, "BOB@contoso.com"},
		{models.KindMailbox, nil, ErrInvalidCreateRequest, "no targets"},
		{models.KindMailbox, make([]string, MaxTargetsPerJob+1), ErrUnitsLimitBreached, "50001 targets"},
	} {
		_, err := NewBulkAdditionJob(tt.kind, "x", tt.targets)
		require.ErrorIs(t, err, tt.want, "%v", tt.targets)
		require.Contains(t, err.Error(), tt.mention)
	}
	j, err := NewBulkAdditionJob(models.KindDrive, "x", []string{"a@contoso.com", "0f0e0d0c-0b0a-0908-0706-050403020100"})
	require.NoError(t, err)
	require.Equal(t, []string{"a@contoso.com"}, j.Drives)
	require.Equal(t, []string{"0f0e0d0c-0b0a-0908-0706-050403020100"}, j.DirectoryObjectIDs)
	j, err = NewBulkAdditionJob(models.KindSite, "x", []string{"contoso.sharepoint.com,0f0e0d0c-0b0a-0908-0706-050403020100,0f0e0d0c-0b0a-0908-0706-050403020101"})
	require.NoError(t, err)
	require.Len(t, j.SiteIDs, 1)

	srv, c := onEmulator(t, nil, nil)
	_, err = c.BulkAdditionJobs().Sites().Create(t.Context(), []string{"https://contoso.sharepoint.com/sites/a"})
	require.ErrorIs(t, err, ErrInvalidCreateRequest, "jobs are created under a policy")
	require.Empty(t, srv.Requests())
}

// A job create whose answer is lost is found by its marked name: one job.
func TestBulkAdditionJobLostAnswerMakesOneJob(t *testing.T) {
	t.Parallel()
	srv, c := onEmulator(t, nil, nil)
	sites, _ := srv.SeedDirectory(2)
	ctx := t.Context()
	pol, err := c.ProtectionPolicies().SharePoint().Create(ctx, models.NewSharePointPolicy("Sites"))
	require.NoError(t, err)
	srv.AddFault(fake.Fault{Route: fake.RouteJobCreate, Kind: fake.FaultResetAfter, Count: 1})
	job, err := c.ProtectionPolicies().SharePoint().ByID(pol.ID).BulkAdditionJobs().Create(ctx, []string{sites[0].WebURL, sites[1].WebURL})
	require.NoError(t, err)
	n := 0
	for j, err := range c.BulkAdditionJobs().Sites().All(ctx, nil) {
		require.NoError(t, err)
		require.Equal(t, job.ID, j.ID)
		n++
	}
	require.Equal(t, 1, n)
	require.Equal(t, 1, countRoute(srv, fake.RouteJobCreate))
}
