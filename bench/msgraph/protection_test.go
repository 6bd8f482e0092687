package msgraph

// TestMsgraphDrivesProtectionRoutes is not a benchmark: it checks that
// msgraph-sdk-go, unchanged, drives the emulator's protection side
// (cmd/emulator, a child process): it creates a policy of each workload,
// activates, deactivates and deletes them, creates a site rule and a bulk
// addition job and sees them complete, and decodes every error as an
// ODataError with the documented code. msgraph-sdk-go v1.89.0 has only GET
// builders for a policy's rules and jobs, so the creates go to the
// documented per-policy URL through the root builder's WithUrl (as
// lifecycle-facts §3 suggests). Run it by hand:
//
//	cd bench/msgraph && go test -run TestMsgraphDrivesProtectionRoutes -v ./...

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	msmodels "github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// odataCode returns err's HTTP status and Graph code when it is an
// ODataError.
func odataCode(err error) (int, string) {
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		return 0, ""
	}
	code := ""
	if m := oe.GetErrorEscaped(); m != nil && m.GetCode() != nil {
		code = *m.GetCode()
	}
	return oe.ResponseStatusCode, code
}

func strp(s string) *string { return &s }

func TestMsgraphDrivesProtectionRoutes(t *testing.T) {
	ctx := t.Context()
	origin := startEmulatorProcess(t, "-directory", "20", "-protect-delay", "1s", "-rule-delay", "1s", "-job-delay", "1s")
	base := origin + "/v1.0"
	client := newStaticTokenMSGraph(t, base)
	br := client.Solutions().BackupRestore()
	site := func(i int) string { return fmt.Sprintf("https://contoso.sharepoint.com/sites/project-site-%d", i) }

	// 1. A policy of each workload: 201, inactive.
	sp := msmodels.NewSharePointProtectionPolicy()
	sp.SetDisplayName(strp("msgraph SharePoint"))
	spPol, err := br.SharePointProtectionPolicies().Post(ctx, sp, nil)
	if err != nil {
		t.Fatalf("create SharePoint policy: %s", safeErr(err))
	}
	od := msmodels.NewOneDriveForBusinessProtectionPolicy()
	od.SetDisplayName(strp("msgraph OneDrive"))
	odPol, err := br.OneDriveForBusinessProtectionPolicies().Post(ctx, od, nil)
	if err != nil {
		t.Fatalf("create OneDrive policy: %s", safeErr(err))
	}
	ex := msmodels.NewExchangeProtectionPolicy()
	ex.SetDisplayName(strp("msgraph Exchange"))
	exPol, err := br.ExchangeProtectionPolicies().Post(ctx, ex, nil)
	if err != nil {
		t.Fatalf("create Exchange policy: %s", safeErr(err))
	}
	for _, p := range []msmodels.ProtectionPolicyBaseable{spPol, odPol, exPol} {
		if p.GetStatus() == nil || p.GetStatus().String() != "inactive" {
			t.Fatalf("a new policy is %v, want inactive", p.GetStatus())
		}
	}

	// 2. 51 units on create: 413 ProtectionUnitsLimitBreached, decoded.
	many := msmodels.NewSharePointProtectionPolicy()
	many.SetDisplayName(strp("too many"))
	var units []msmodels.SiteProtectionUnitable
	for i := range 51 {
		u := msmodels.NewSiteProtectionUnit()
		u.SetSiteId(strp(fmt.Sprintf("contoso.sharepoint.com,%08d-0000-0000-0000-000000000000,00000000-0000-0000-0000-000000000001", i)))
		units = append(units, u)
	}
	many.SetSiteProtectionUnits(units)
	_, err = br.SharePointProtectionPolicies().Post(ctx, many, nil)
	if st, code := odataCode(err); st != http.StatusRequestEntityTooLarge || code != "ProtectionUnitsLimitBreached" {
		t.Fatalf("51 units: %d %q (%s), want 413 ProtectionUnitsLimitBreached", st, code, safeErr(err))
	}

	// 3. A static site rule and a bulk addition job under the SharePoint
	// policy, through the documented per-policy URLs.
	spID := *spPol.GetId()
	polURL := base + "/solutions/backupRestore/sharePointProtectionPolicies/" + spID
	rule := msmodels.NewSiteProtectionRule()
	rule.SetSiteExpression(strp("(siteName -contains 'Project Site 1')"))
	gotRule, err := br.SiteInclusionRules().WithUrl(polURL+"/siteInclusionRules").Post(ctx, rule, nil)
	if err != nil {
		t.Fatalf("create rule: %s", safeErr(err))
	}
	job := msmodels.NewSiteProtectionUnitsBulkAdditionJob()
	job.SetDisplayName(strp("msgraph job"))
	job.SetSiteWebUrls([]string{site(2), site(3), "https://contoso.sharepoint.com/sites/nowhere"})
	gotJob, err := br.SiteProtectionUnitsBulkAdditionJobs().WithUrl(polURL+"/siteProtectionUnitsBulkAdditionJobs").Post(ctx, job, nil)
	if err != nil {
		t.Fatalf("create job: %s", safeErr(err))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := br.SharePointProtectionPolicies().BySharePointProtectionPolicyId(spID).SiteInclusionRules().BySiteProtectionRuleId(*gotRule.GetId()).Get(ctx, nil)
		if err != nil {
			t.Fatalf("get rule: %s", safeErr(err))
		}
		j, err := br.SharePointProtectionPolicies().BySharePointProtectionPolicyId(spID).SiteProtectionUnitsBulkAdditionJobs().BySiteProtectionUnitsBulkAdditionJobId(*gotJob.GetId()).Get(ctx, nil)
		if err != nil {
			t.Fatalf("get job: %s", safeErr(err))
		}
		rs, js := r.GetStatus().String(), j.GetStatus().String()
		if rs == "completed" && js == "completedWithErrors" {
			details := j.GetError().GetDetails()
			if len(details) != 1 || details[0].GetCode() == nil || *details[0].GetCode() != "SiteUrlNotFound" {
				t.Fatalf("the job's error details: %+v", details)
			}
			t.Logf("rule %s completed; job %s completedWithErrors, one SiteUrlNotFound", *r.GetId(), *j.GetId())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rule %s, job %s after 30 s", rs, js)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// 4. Activate (202, updating), activate again (403
	// PolicyActionNotAllowed), delete an active policy (403), deactivate,
	// delete (204), get it (404 PolicyNotFound).
	item := br.ProtectionPolicies().ByProtectionPolicyBaseId(spID)
	act, err := item.Activate().Post(ctx, nil)
	if err != nil {
		t.Fatalf("activate: %s", safeErr(err))
	}
	if act.GetStatus().String() != "updating" {
		t.Fatalf("activate answered %s, want updating", act.GetStatus())
	}
	_, err = item.Activate().Post(ctx, nil)
	if st, code := odataCode(err); st != http.StatusForbidden || code != "PolicyActionNotAllowed" {
		t.Fatalf("activate twice: %d %q", st, code)
	}
	for {
		p, err := item.Get(ctx, nil)
		if err != nil {
			t.Fatalf("get policy: %s", safeErr(err))
		}
		if p.GetStatus().String() == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy still %s", p.GetStatus())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, code := odataCode(item.Delete(ctx, nil)); st != http.StatusForbidden || code != "PolicyActionNotAllowed" {
		t.Fatalf("delete an active policy: %d %q", st, code)
	}
	if _, err := item.Deactivate().Post(ctx, nil); err != nil {
		t.Fatalf("deactivate: %s", safeErr(err))
	}
	for {
		p, err := item.Get(ctx, nil)
		if err != nil {
			t.Fatalf("get policy: %s", safeErr(err))
		}
		if p.GetStatus().String() == "inactive" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("policy still %s", p.GetStatus())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, id := range []string{spID, *odPol.GetId(), *exPol.GetId()} {
		if err := br.ProtectionPolicies().ByProtectionPolicyBaseId(id).Delete(ctx, nil); err != nil {
			t.Fatalf("delete %s: %s", id, safeErr(err))
		}
	}
	_, err = item.Get(ctx, nil)
	if st, code := odataCode(err); st != http.StatusNotFound || code != "PolicyNotFound" {
		t.Fatalf("get a deleted policy: %d %q", st, code)
	}

	// 5. A rule of another policy's ID: 404 ProtectionRuleNotFound; a bad
	// expression: 400 InvalidRuleExpression.
	_, err = br.SiteInclusionRules().BySiteProtectionRuleId("no-such-rule").Get(ctx, nil)
	if st, code := odataCode(err); st != http.StatusNotFound || code != "ProtectionRuleNotFound" {
		t.Fatalf("unknown rule: %d %q", st, code)
	}
	again, err := br.SharePointProtectionPolicies().Post(ctx, sp, nil)
	if err != nil {
		t.Fatalf("create: %s", safeErr(err))
	}
	bad := msmodels.NewSiteProtectionRule()
	bad.SetSiteExpression(strp("everything"))
	_, err = br.SiteInclusionRules().WithUrl(base+"/solutions/backupRestore/sharePointProtectionPolicies/"+*again.GetId()+"/siteInclusionRules").Post(ctx, bad, nil)
	if st, code := odataCode(err); st != http.StatusBadRequest || code != "InvalidRuleExpression" {
		t.Fatalf("bad expression: %d %q", st, code)
	}
}
