package backuprestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/internal/jsonlex"
	"github.com/m365kit/backuprestore/models"
)

// MaxTargetsPerJob is the most items one bulk addition job may name (the
// documented limit of a job and of the admin centre's CSV).
const MaxTargetsPerJob = 50_000

// BulkAdditionJobs returns the builder for the bulk addition jobs at
// /solutions/backupRestore: choose the workload with Sites, Drives or
// Mailboxes.
func (c *Client) BulkAdditionJobs() *BulkAdditionJobsRoot { return &BulkAdditionJobsRoot{c: c} }

// BulkAdditionJobsRoot chooses the workload of the root job collections.
type BulkAdditionJobsRoot struct{ c *Client }

// Sites returns the builder for /solutions/backupRestore/siteProtectionUnitsBulkAdditionJobs.
func (r *BulkAdditionJobsRoot) Sites() *BulkAdditionJobsRequestBuilder {
	return &BulkAdditionJobsRequestBuilder{c: r.c, kind: models.KindSite}
}

// Drives returns the builder for /solutions/backupRestore/driveProtectionUnitsBulkAdditionJobs.
func (r *BulkAdditionJobsRoot) Drives() *BulkAdditionJobsRequestBuilder {
	return &BulkAdditionJobsRequestBuilder{c: r.c, kind: models.KindDrive}
}

// Mailboxes returns the builder for /solutions/backupRestore/mailboxProtectionUnitsBulkAdditionJobs.
func (r *BulkAdditionJobsRoot) Mailboxes() *BulkAdditionJobsRequestBuilder {
	return &BulkAdditionJobsRequestBuilder{c: r.c, kind: models.KindMailbox}
}

// BulkAdditionJobs returns the builder for the policy's bulk addition jobs
// (…/sharePointProtectionPolicies/{id}/siteProtectionUnitsBulkAdditionJobs,
// and the OneDrive and Exchange equivalents). On the collection of every
// kind the policy is read first, at each call, to learn its workload.
func (b *ProtectionPolicyItemRequestBuilder) BulkAdditionJobs() *BulkAdditionJobsRequestBuilder {
	return &BulkAdditionJobsRequestBuilder{c: b.c, policy: b}
}

// BulkAdditionJobsRequestBuilder builds requests on a collection of bulk
// addition jobs: one workload's at the root, or one policy's.
type BulkAdditionJobsRequestBuilder struct {
	c      *Client
	kind   models.UnitKind
	policy *ProtectionPolicyItemRequestBuilder
}

func (b *BulkAdditionJobsRequestBuilder) resolve(ctx context.Context) (string, models.UnitKind, error) {
	if b.policy == nil {
		return "/solutions/backupRestore/" + b.kind.BulkAdditionJobsSegment(), b.kind, nil
	}
	if err := b.policy.check(); err != nil {
		return "", models.KindUnknown, err
	}
	pk, err := b.policy.resolveKind(ctx)
	if err != nil {
		return "", models.KindUnknown, err
	}
	k := pk.UnitKind()
	return b.policy.itemPath(pk) + "/" + k.BulkAdditionJobsSegment(), k, nil
}

func jobLister(c *Client, path string, kind models.UnitKind) *lister[*models.BulkAdditionJobPage] {
	return &lister[*models.BulkAdditionJobPage]{
		c: c, path: path, op: "list bulk addition jobs",
		decode: func(body []byte) (*models.BulkAdditionJobPage, error) {
			p := &models.BulkAdditionJobPage{}
			return p, p.UnmarshalJSON(body)
		},
		factory: models.CreateBulkAdditionJobPageFromDiscriminatorValue,
		fromParsable: func(p serialization.Parsable) (*models.BulkAdditionJobPage, bool) {
			pg, ok := p.(*models.BulkAdditionJobPage)
			return pg, ok && pg != nil
		},
		nextLink: func(p *models.BulkAdditionJobPage) string { return p.NextLink },
		after: func(p *models.BulkAdditionJobPage) {
			for _, j := range p.Value {
				if j.ODataType == "" {
					j.ODataType = kind.JobODataType()
				}
			}
		},
	}
}

// All returns a lazy iterator over every job of the collection, with the
// paging guarantees of ProtectionUnitsRequestBuilder.All.
func (b *BulkAdditionJobsRequestBuilder) All(ctx context.Context, opts *ListOptions) iter.Seq2[*models.BulkAdditionJob, error] {
	return func(yield func(*models.BulkAdditionJob, error) bool) {
		path, kind, err := b.resolve(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		items := itemsOf(jobLister(b.c, path, kind).pages(ctx, opts), func(p *models.BulkAdditionJobPage) []*models.BulkAdditionJob { return p.Value })
		for j, err := range items {
			if !yield(j, err) {
				return
			}
		}
	}
}

// Get returns one page of jobs: the first, or the one at opts.NextLink.
// It fails as ProtectionUnitsRequestBuilder.Get does.
func (b *BulkAdditionJobsRequestBuilder) Get(ctx context.Context, opts *ListOptions) (*models.BulkAdditionJobPage, error) {
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	return jobLister(b.c, path, kind).get(ctx, opts)
}

// NewJobMarker returns a fresh random marker ("br-" and 16 hex digits) for
// a job's display name: a create whose answer was lost finds its own job by
// it.
func NewJobMarker() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "br-" + hex.EncodeToString(b[:])
}

// Create creates a bulk addition job under the policy that adds targets
// (site URLs and site IDs for SharePoint; e-mail addresses and directory
// object IDs for OneDrive and Exchange, each sorted into the member the
// service expects), named "backuprestore " and a fresh NewJobMarker, and
// returns it as the service answered (201, status active). It fails as
// CreateJob does.
func (b *BulkAdditionJobsRequestBuilder) Create(ctx context.Context, targets []string) (*models.BulkAdditionJob, error) {
	if b.policy == nil {
		return nil, wrapErr("create bulk addition job: jobs are created under a policy (ProtectionPolicies().….ByID(id).BulkAdditionJobs())", ErrInvalidCreateRequest)
	}
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	job, err := NewBulkAdditionJob(kind, "backuprestore "+NewJobMarker(), targets)
	if err != nil {
		return nil, err
	}
	return b.create(ctx, path, kind, job)
}

// NewBulkAdditionJob returns the body of a job named name that adds
// targets to a policy of units of kind k, each target sorted by
// ClassifyTarget into siteWebUrls/siteIds or drives|mailboxes/
// directoryObjectIds. It fails before anything is sent: with
// ErrInvalidTarget naming the first target of no known form, with
// ErrDuplicateTarget naming a target given twice, with
// ErrUnitsLimitBreached naming the count beyond MaxTargetsPerJob, with
// ErrInvalidCreateRequest for no targets.
func NewBulkAdditionJob(k models.UnitKind, name string, targets []string) (*models.BulkAdditionJob, error) {
	if len(targets) == 0 {
		return nil, wrapErr("bulk addition job: no targets", ErrInvalidCreateRequest)
	}
	if len(targets) > MaxTargetsPerJob {
		return nil, wrapErr(fmt.Sprintf("bulk addition job: %d targets, at most %d per job", len(targets), MaxTargetsPerJob), ErrUnitsLimitBreached)
	}
	j := &models.BulkAdditionJob{DisplayName: name, ODataType: k.JobODataType()}
	seen := make(map[string]bool, len(targets))
	for _, t := range targets {
		form, err := ClassifyTarget(k, t)
		if err != nil {
			return nil, err
		}
		t = strings.TrimSpace(t)
		key := strings.ToLower(t)
		if seen[key] {
			return nil, wrapErr("bulk addition job: target "+quoteID(t)+" is given twice", ErrDuplicateTarget)
		}
		seen[key] = true
		switch form {
		case TargetSiteURL:
			j.SiteWebURLs = append(j.SiteWebURLs, t)
		case TargetSiteID:
			j.SiteIDs = append(j.SiteIDs, t)
		case TargetEmail:
			if k == models.KindDrive {
				j.Drives = append(j.Drives, t)
			} else {
				j.Mailboxes = append(j.Mailboxes, t)
			}
		case TargetDirectoryObjectID:
			j.DirectoryObjectIDs = append(j.DirectoryObjectIDs, t)
		}
	}
	return j, nil
}

// CreateJob creates job under the policy (POST …BulkAdditionJobs with the
// display name and the members of job's kind) and returns it as the
// service answered.
//
// It fails before sending anything: with ErrInvalidCreateRequest at the
// root (jobs are created under a policy), for a nil job, or one of another
// workload; with ErrInvalidDisplayName; with ErrUnitsLimitBreached beyond
// MaxTargetsPerJob items; with ErrInvalidPolicyID. Otherwise with the
// service's *Error (ErrNotFound for an unknown policy, …), ErrNotSent or
// ErrOutcomeUnknown. A lost answer is settled by listing the policy's jobs
// for one with the same display name created by the caller no earlier
// than the request (a name carrying a NewJobMarker is enough on its own):
// found, it is the result; not found, the create is sent again. One call
// never makes two jobs.
func (b *BulkAdditionJobsRequestBuilder) CreateJob(ctx context.Context, job *models.BulkAdditionJob) (*models.BulkAdditionJob, error) {
	if b.policy == nil {
		return nil, wrapErr("create bulk addition job: jobs are created under a policy (ProtectionPolicies().….ByID(id).BulkAdditionJobs())", ErrInvalidCreateRequest)
	}
	if job == nil {
		return nil, wrapErr("create bulk addition job: nil job", ErrInvalidCreateRequest)
	}
	path, kind, err := b.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if jk := job.Kind(); jk != models.KindUnknown && jk != kind {
		return nil, wrapErr("create bulk addition job: a "+jk.String()+" job under a policy of "+kind.String()+" units", ErrInvalidCreateRequest)
	}
	if n := len(job.Inputs()); n > MaxTargetsPerJob {
		return nil, wrapErr(fmt.Sprintf("create bulk addition job: %d targets, at most %d per job", n, MaxTargetsPerJob), ErrUnitsLimitBreached)
	}
	return b.create(ctx, path, kind, job)
}

func (b *BulkAdditionJobsRequestBuilder) create(ctx context.Context, path string, kind models.UnitKind, job *models.BulkAdditionJob) (*models.BulkAdditionJob, error) {
	if err := checkDisplayName("job name", job.DisplayName); err != nil {
		return nil, err
	}
	name := job.DisplayName
	marked := strings.Contains(name, "br-") && len(name) >= 19
	l := jobLister(b.c, path, kind)
	w := &objectWrite[*models.BulkAdditionJob]{
		c: b.c, op: "create " + kind.String() + " bulk addition job " + quoteID(name), method: abs.POST, path: path,
		body: encodeJobCreate(kind, job), create: true, decode: decodeJobOf(kind),
		readBack: func(ctx context.Context, ev attemptEvidence) objectRead[*models.BulkAdditionJob] {
			return findCreated(ctx, l, func(p *models.BulkAdditionJobPage) []*models.BulkAdditionJob { return p.Value },
				func(j *models.BulkAdditionJob, date, recv time.Time) bool {
					return j.DisplayName == name && (marked || createdByCall(j.CreatedDateTime, j.CreatedBy, ev, date, recv))
				})
		},
	}
	return w.run(ctx)
}

// encodeJobCreate writes the create body: displayName and the kind's members.
func encodeJobCreate(kind models.UnitKind, j *models.BulkAdditionJob) []byte {
	b := []byte(`{"displayName":`)
	b = jsonlex.AppendString(b, j.DisplayName)
	member := func(key string, vals []string) {
		b = append(b, ',')
		b = jsonlex.AppendString(b, key)
		b = append(b, ":["...)
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonlex.AppendString(b, v)
		}
		b = append(b, ']')
	}
	switch kind {
	case models.KindSite:
		member("siteWebUrls", j.SiteWebURLs)
		member("siteIds", j.SiteIDs)
	case models.KindDrive:
		member("drives", j.Drives)
		member("directoryObjectIds", j.DirectoryObjectIDs)
	case models.KindMailbox:
		member("mailboxes", j.Mailboxes)
		member("directoryObjectIds", j.DirectoryObjectIDs)
	}
	return append(b, '}')
}

func decodeJobOf(kind models.UnitKind) func([]byte) (*models.BulkAdditionJob, error) {
	return func(body []byte) (*models.BulkAdditionJob, error) {
		if isJSONNull(body) {
			return nil, errors.New("null, want a bulk addition job")
		}
		j := &models.BulkAdditionJob{}
		if err := j.UnmarshalJSON(body); err != nil {
			return nil, err
		}
		if j.ID == "" {
			return nil, errors.New("a JSON object without an id, want a bulk addition job")
		}
		if j.ODataType == "" {
			j.ODataType = kind.JobODataType()
		}
		return j, nil
	}
}

// ByID returns the builder for one job of the collection. The ID is
// validated when a request is built (ErrInvalidJobID).
func (b *BulkAdditionJobsRequestBuilder) ByID(id string) *BulkAdditionJobItemRequestBuilder {
	return &BulkAdditionJobItemRequestBuilder{coll: b, id: id}
}

// BulkAdditionJobItemRequestBuilder builds requests on one bulk addition job.
type BulkAdditionJobItemRequestBuilder struct {
	coll *BulkAdditionJobsRequestBuilder
	id   string
}

// ID returns the job ID the builder targets.
func (b *BulkAdditionJobItemRequestBuilder) ID() string { return b.id }

// Get reads the job. It fails with ErrInvalidJobID before sending
// anything; with *Error for a non-2xx answer (ErrNotFound for an unknown
// job); otherwise with the transport's or the context's error.
func (b *BulkAdditionJobItemRequestBuilder) Get(ctx context.Context) (*models.BulkAdditionJob, error) {
	if err := validateID(b.id); err != nil {
		return nil, wrapErr("job ID", ErrInvalidJobID, err)
	}
	path, kind, err := b.coll.resolve(ctx)
	if err != nil {
		return nil, err
	}
	j, _, _, _, _, err := readGet(ctx, b.coll.c, "get bulk addition job "+b.id, path+"/"+escapeSegment(b.id), decodeJobOf(kind))
	return j, err
}

// JobWaitOptions configures BulkAdditionJobItemRequestBuilder.Wait. A nil
// *JobWaitOptions means the defaults; zero fields mean their default and
// negative ones are rejected (ErrInvalidOptions).
type JobWaitOptions struct {
	// PollInterval is the first delay between reads, default 15 s; it
	// grows by half each read, with jitter, up to MaxPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the delay between reads, default 5 min.
	MaxPollInterval time.Duration
	// Timeout ends the wait with ErrWaitTimedOut, default none. The
	// service documents no duration for a job.
	Timeout time.Duration
	// OnPoll, when set, is called after every read with the job as read.
	OnPoll func(j *models.BulkAdditionJob)
}

// Wait reads the job until it is completed or completedWithErrors and
// returns it as last read (the failed items: its Failures method). Reads
// are spaced as WaitOptions describes; a read that fails is tried again at
// the next poll until 5 polls in a row have failed.
//
// It fails with ErrInvalidJobID or ErrInvalidOptions before sending
// anything; with the service's *Error for a 4xx read (ErrNotFound); with
// ErrJobFailed and the job when its status is one this package does not
// know; with ErrWaitTimedOut and the last job read after Timeout; with the
// context's error when ctx ends.
func (b *BulkAdditionJobItemRequestBuilder) Wait(ctx context.Context, opts *JobWaitOptions) (*models.BulkAdditionJob, error) {
	var jo JobWaitOptions
	if opts != nil {
		jo = *opts
	}
	wo, err := (&WaitOptions{PollInterval: jo.PollInterval, MaxPollInterval: jo.MaxPollInterval, Timeout: jo.Timeout}).resolve()
	if err != nil {
		return nil, err
	}
	if err := validateID(b.id); err != nil {
		return nil, wrapErr("job ID", ErrInvalidJobID, err)
	}
	if wo.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, wo.Timeout, ErrWaitTimedOut)
		defer cancel()
	}
	p := &poller{o: wo}
	var last *models.BulkAdditionJob
	failed := 0
	for {
		j, err := b.Get(ctx)
		switch {
		case err == nil:
			failed = 0
			last = j
			if jo.OnPoll != nil {
				jo.OnPoll(j)
			}
			switch {
			case j.Status.IsFinal():
				return j, nil
			case j.Status == models.JobStatusActive || j.Status == models.JobStatusUnknown || j.Status == "":
			default:
				return j, wrapErr("bulk addition job "+b.id+" is "+string(j.Status), ErrJobFailed)
			}
		case ctx.Err() != nil:
		default:
			if e, ok := asError(err); ok && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 408 && e.StatusCode != 429 {
				return last, err
			}
			if failed++; failed >= maxFailedPolls {
				return last, err
			}
		}
		if !sleepCtx(ctx, p.delay()) || ctx.Err() != nil {
			if errors.Is(context.Cause(ctx), ErrWaitTimedOut) {
				return last, wrapErr("wait for bulk addition job "+b.id, ErrWaitTimedOut)
			}
			return last, wrapErr("wait for bulk addition job "+b.id, context.Cause(ctx))
		}
	}
}
