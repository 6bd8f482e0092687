package models

import (
	"strings"
	"time"
)

// The @odata.type values of the three derived bulk-addition-job types.
const (
	ODataTypeSiteBulkAdditionJob    = "#microsoft.graph.siteProtectionUnitsBulkAdditionJob"
	ODataTypeDriveBulkAdditionJob   = "#microsoft.graph.driveProtectionUnitsBulkAdditionJob"
	ODataTypeMailboxBulkAdditionJob = "#microsoft.graph.mailboxProtectionUnitsBulkAdditionJob"
)

// JobODataType returns the @odata.type of the bulk addition job that adds
// units of kind k, or "" for KindUnknown.
func (k UnitKind) JobODataType() string {
	switch k {
	case KindSite:
		return ODataTypeSiteBulkAdditionJob
	case KindDrive:
		return ODataTypeDriveBulkAdditionJob
	case KindMailbox:
		return ODataTypeMailboxBulkAdditionJob
	}
	return ""
}

// BulkAdditionJobsSegment returns the navigation segment of the bulk
// addition jobs that add units of kind k
// ("siteProtectionUnitsBulkAdditionJobs", …), or "" for KindUnknown.
func (k UnitKind) BulkAdditionJobsSegment() string {
	switch k {
	case KindSite:
		return "siteProtectionUnitsBulkAdditionJobs"
	case KindDrive:
		return "driveProtectionUnitsBulkAdditionJobs"
	case KindMailbox:
		return "mailboxProtectionUnitsBulkAdditionJobs"
	}
	return ""
}

// JobKindFromODataType maps a bulk addition job's @odata.type to the kind
// of unit it adds; anything else is KindUnknown.
func JobKindFromODataType(t string) UnitKind {
	switch graphTypeName(t) {
	case "siteProtectionUnitsBulkAdditionJob":
		return KindSite
	case "driveProtectionUnitsBulkAdditionJob":
		return KindDrive
	case "mailboxProtectionUnitsBulkAdditionJob":
		return KindMailbox
	}
	return KindUnknown
}

// BulkJobStatus is the state of a bulk job (Graph enum
// protectionUnitsBulkJobStatus). It is a string so that a value this
// package does not know is kept verbatim rather than dropped.
type BulkJobStatus string

// The members of protectionUnitsBulkJobStatus, in the schema's order.
const (
	// JobStatusUnknown: indeterminate, possibly transient.
	JobStatusUnknown BulkJobStatus = "unknown"
	// JobStatusActive: the job is running.
	JobStatusActive BulkJobStatus = "active"
	// JobStatusCompleted: every item was added.
	JobStatusCompleted BulkJobStatus = "completed"
	// JobStatusCompletedWithErrors: some items failed (the job's
	// Error.Details list them).
	JobStatusCompletedWithErrors BulkJobStatus = "completedWithErrors"
	// JobStatusUnknownFutureValue is the evolvable-enum sentinel.
	JobStatusUnknownFutureValue BulkJobStatus = "unknownFutureValue"
)

// KnownJobStatuses returns every documented protectionUnitsBulkJobStatus
// member, in the schema's order. The slice is new on every call.
func KnownJobStatuses() []BulkJobStatus {
	return []BulkJobStatus{JobStatusUnknown, JobStatusActive, JobStatusCompleted, JobStatusCompletedWithErrors, JobStatusUnknownFutureValue}
}

// IsKnown reports whether s is one of the documented members.
func (s BulkJobStatus) IsKnown() bool {
	switch s {
	case JobStatusUnknown, JobStatusActive, JobStatusCompleted, JobStatusCompletedWithErrors, JobStatusUnknownFutureValue:
		return true
	}
	return false
}

// IsFinal reports whether the job has finished: completed or
// completedWithErrors.
func (s BulkJobStatus) IsFinal() bool {
	return s == JobStatusCompleted || s == JobStatusCompletedWithErrors
}

// String returns the wire value.
func (s BulkJobStatus) String() string { return string(s) }

// BulkAdditionJob is a Backup Storage bulk addition job: the abstract
// protectionUnitsBulkJobBase and its three derived types
// (siteProtectionUnitsBulkAdditionJob, driveProtectionUnitsBulkAdditionJob,
// mailboxProtectionUnitsBulkAdditionJob) in one struct; Kind tells which.
// A site job names sites by SiteWebURLs and SiteIDs; a drive job names
// accounts by Drives (e-mail addresses) and DirectoryObjectIDs; a mailbox
// job by Mailboxes (e-mail addresses) and DirectoryObjectIDs.
//
// Slices are nil when the payload lacks the member, empty when it is [].
type BulkAdditionJob struct {
	ID          string
	DisplayName string
	// Status is kept verbatim, also when this package does not know it.
	Status BulkJobStatus

	SiteWebURLs        []string
	SiteIDs            []string
	Drives             []string
	Mailboxes          []string
	DirectoryObjectIDs []string

	// Error lists the items that failed in its Details (code, message and,
	// from the emulator, target: the input as given), nil when none.
	Error *PublicError

	CreatedBy            *IdentitySet
	LastModifiedBy       *IdentitySet
	CreatedDateTime      time.Time
	LastModifiedDateTime time.Time

	// ODataType is the raw @odata.type.
	ODataType string
	// AdditionalData holds every property this struct does not declare, and
	// the raw value of any declared property that arrived malformed.
	AdditionalData map[string]any
}

// Kind returns the kind of unit the job adds: from @odata.type when it
// names one of the three derived types, otherwise from the members the body
// carries. Otherwise KindUnknown.
func (j *BulkAdditionJob) Kind() UnitKind {
	if j == nil {
		return KindUnknown
	}
	if k := JobKindFromODataType(j.ODataType); k != KindUnknown {
		return k
	}
	switch {
	case j.SiteWebURLs != nil || j.SiteIDs != nil:
		return KindSite
	case j.Drives != nil:
		return KindDrive
	case j.Mailboxes != nil:
		return KindMailbox
	}
	return KindUnknown
}

// Inputs returns every item the job names, in the order of its members
// (site web URLs then site IDs; addresses then directory object IDs). The
// slice is new on every call.
func (j *BulkAdditionJob) Inputs() []string {
	if j == nil {
		return nil
	}
	var out []string
	for _, s := range [][]string{j.SiteWebURLs, j.SiteIDs, j.Drives, j.Mailboxes, j.DirectoryObjectIDs} {
		out = append(out, s...)
	}
	return out
}

// BulkAdditionJobPage is one page of a bulk-addition-job list.
type BulkAdditionJobPage struct {
	Value []*BulkAdditionJob
	// NextLink is @odata.nextLink, or "" on the last page.
	NextLink string
	// Count is @odata.count, present only when asked for.
	Count *int64
	// ODataContext is @odata.context.
	ODataContext string
	// AdditionalData holds every other property of the page envelope.
	AdditionalData map[string]any
}

// JobItemFailure is one item a bulk addition job could not add.
type JobItemFailure struct {
	// Input is the item as the job named it (a site URL or ID, an address,
	// a directory object ID): the detail's target when the service gave
	// one, else the job input the detail's message quotes, else "".
	Input string
	// Code and Message are the service's, e.g. "SiteUrlNotFound".
	Code, Message string
}

// Failures returns the items the job could not add, from its
// error.details, each with the input it came from (see JobItemFailure).
// A job without an error has none.
func (j *BulkAdditionJob) Failures() []JobItemFailure {
	if j == nil || j.Error == nil {
		return nil
	}
	inputs := j.Inputs()
	out := make([]JobItemFailure, 0, len(j.Error.Details))
	for _, d := range j.Error.Details {
		f := JobItemFailure{Input: d.Target, Code: d.Code, Message: d.Message}
		if f.Input == "" {
			f.Input = quotedInput(d.Message, inputs)
		}
		out = append(out, f)
	}
	return out
}

// quotedInput returns the input that msg quotes ('…' or "…"), or "".
func quotedInput(msg string, inputs []string) string {
	for _, q := range []byte{'\'', '"'} {
		for rest := msg; ; {
			i := strings.IndexByte(rest, q)
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			k := strings.IndexByte(rest, q)
			if k < 0 {
				break
			}
			cand := rest[:k]
			rest = rest[k+1:]
			for _, in := range inputs {
				if strings.EqualFold(in, cand) {
					return in
				}
			}
		}
	}
	return ""
}
