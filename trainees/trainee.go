// Package trainees keeps the people who take courses: their profiles and
// the registry coordinators search and import into, enrolment with its
// waitlist, the course roll, my schedule's private calendar feed and the
// yearly credit-hour (学时) ledger.
package trainees

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partyschool/auth"
	"partyschool/web"
)

// The kinds of trainee the school reports on.
const (
	KindPartyMember     = "party_member"     // 党员
	KindCommunityWorker = "community_worker" // 社区工作者
	KindResident        = "resident"         // 居民
	KindVolunteer       = "volunteer"        // 志愿者
)

// Kinds lists the kinds in the order forms offer them.
var Kinds = []string{KindPartyMember, KindCommunityWorker, KindResident, KindVolunteer}

// Genders are the optional gender answers.
var Genders = []string{"female", "male"}

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound         = errors.New("trainee not found")
	ErrUnknownCommunity = errors.New("unknown community")
	ErrNotTrainee       = errors.New("the account is not a trainee's")
)

// Trainee is a trainee's account and profile. Profile fields are empty
// for an account whose profile was never filled in (HasProfile false).
type Trainee struct {
	ID            int64      `db:"id"` // the account's id
	Username      string     `db:"username"`
	Name          string     `db:"name"`
	Phone         *string    `db:"phone"`
	Gender        *string    `db:"gender"`
	CommunityID   *int64     `db:"community_id"`
	CommunityName string     `db:"community_name"`
	Organisation  string     `db:"organisation"`
	Kind          string     `db:"kind"`
	PartyBranch   string     `db:"party_branch"`
	HasProfile    bool       `db:"has_profile"`
	DisabledAt    *time.Time `db:"disabled_at"`
	CreatedAt     time.Time  `db:"created_at"`
}

// PhoneMasked returns the phone number with its middle digits hidden.
func (t *Trainee) PhoneMasked() string {
	if t.Phone == nil {
		return ""
	}
	return web.MaskPhone(*t.Phone)
}

// Fields is a profile as entered, checked and ready to store.
type Fields struct {
	Name         string
	Phone        string
	Gender       *string
	CommunityID  *int64
	Organisation string
	Kind         string
	PartyBranch  string
}

// Form is the profile form as typed, so a refused form comes back as it was.
type Form struct {
	Name         string
	Phone        string
	Gender       string
	Community    string // a community id, or ""
	Organisation string
	Kind         string
	PartyBranch  string
}

// FormOf fills the form from a stored trainee, for editing.
func FormOf(t *Trainee) Form {
	f := Form{Name: t.Name, Organisation: t.Organisation, Kind: t.Kind, PartyBranch: t.PartyBranch}
	if t.Phone != nil {
		f.Phone = *t.Phone
	}
	if t.Gender != nil {
		f.Gender = *t.Gender
	}
	if t.CommunityID != nil {
		f.Community = strconv.FormatInt(*t.CommunityID, 10)
	}
	return f
}

// Limits of the free-text fields, as the table's CHECK constraints hold them.
const (
	maxOrganisation = 60
	maxBranch       = 60
)

// Parse checks the form and returns the profile, or one message key per
// bad field. Whether the community exists is the store's to say.
func (f Form) Parse() (Fields, web.FieldErrors) {
	errs := web.FieldErrors{}
	out := Fields{
		Name:         strings.TrimSpace(f.Name),
		Phone:        auth.NormalizePhone(f.Phone),
		Organisation: strings.TrimSpace(f.Organisation),
		Kind:         strings.TrimSpace(f.Kind),
		PartyBranch:  strings.TrimSpace(f.PartyBranch),
	}
	if key := auth.NameProblem(out.Name); key != "" {
		errs.Add("name", key)
	}
	if key := auth.PhoneProblem(out.Phone, true); key != "" {
		errs.Add("phone", key)
	}
	switch g := strings.TrimSpace(f.Gender); {
	case g == "":
	case slices.Contains(Genders, g):
		out.Gender = &g
	default:
		errs.Add("gender", "trainees.gender.invalid")
	}
	if c := strings.TrimSpace(f.Community); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("community", "trainees.community.invalid")
		} else {
			out.CommunityID = &id
		}
	}
	if utf8.RuneCountInString(out.Organisation) > maxOrganisation {
		errs.Add("organisation", "trainees.organisation.long")
	}
	if !slices.Contains(Kinds, out.Kind) {
		errs.Add("kind", "trainees.kind.invalid")
	}
	if out.Kind != KindPartyMember {
		out.PartyBranch = "" // only party members belong to a branch
	}
	if utf8.RuneCountInString(out.PartyBranch) > maxBranch {
		errs.Add("party_branch", "trainees.branch.long")
	}
	return out, errs
}
