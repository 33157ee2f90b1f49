// Package lecturers keeps the school's three lecturer rosters — 专家讲师
// (experts), 草根讲师 (grassroots community workers) and 夕阳红讲师 (retired
// cadres) — their import from and export to spreadsheets, and the pages
// where coordinators keep them and anyone reads them.
package lecturers

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"

	"partyschool/auth"
	"partyschool/web"
)

// The three rosters.
const (
	TeamExpert     = "expert"
	TeamGrassroots = "grassroots"
	TeamSenior     = "senior"
)

// Teams lists the rosters in the order the school presents them.
var Teams = []string{TeamExpert, TeamGrassroots, TeamSenior}

// ValidTeam reports whether team names one of the rosters.
func ValidTeam(team string) bool { return slices.Contains(Teams, team) }

// Errors the store returns for the handlers to turn into messages.
var (
	ErrNotFound     = errors.New("lecturer not found")
	ErrPhoneTaken   = errors.New("another lecturer has this phone number")
	ErrUnknownUser  = errors.New("no lecturer account with this username")
	ErrUserLinked   = errors.New("the account is linked to another lecturer")
	ErrHasSessions  = errors.New("the lecturer has sessions")
	ErrBatchExpired = errors.New("import batch missing, used or expired")
)

// Lecturer is one person on a roster.
type Lecturer struct {
	ID            int64          `db:"id"`
	Name          string         `db:"name"`
	Team          string         `db:"team"`
	Title         string         `db:"title"`
	Organisation  string         `db:"organisation"`
	CommunityID   *int64         `db:"community_id"`
	CommunityName string         `db:"community_name"`
	Phone         *string        `db:"phone"`
	Topics        pq.StringArray `db:"topics"`
	Bio           string         `db:"bio"`
	Active        bool           `db:"active"`
	UserID        *int64         `db:"user_id"`
	Username      string         `db:"username"` // of the linked account, or ""
	UpdatedAt     time.Time      `db:"updated_at"`
}

// PhoneMasked returns the phone number with its middle digits hidden.
func (l *Lecturer) PhoneMasked() string {
	if l.Phone == nil {
		return ""
	}
	return web.MaskPhone(*l.Phone)
}

// Fields is a lecturer as entered, checked and ready to store.
type Fields struct {
	Name         string
	Team         string
	Title        string
	Organisation string
	CommunityID  *int64
	Phone        *string
	Topics       []string
	Bio          string
	Username     string // the account to link, or "" for none
}

// Form is the lecturer form as typed, so a refused form comes back as it was.
type Form struct {
	Name         string
	Team         string
	Title        string
	Organisation string
	Community    string // a community id, or ""
	Phone        string
	Topics       string // separated by commas, 、 or new lines
	Bio          string
	Username     string
}

// FormOf fills the form from a stored lecturer, for editing.
func FormOf(l *Lecturer) Form {
	f := Form{
		Name: l.Name, Team: l.Team, Title: l.Title, Organisation: l.Organisation,
		Topics: strings.Join(l.Topics, "、"), Bio: l.Bio, Username: l.Username,
	}
	if l.CommunityID != nil {
		f.Community = strconv.FormatInt(*l.CommunityID, 10)
	}
	if l.Phone != nil {
		f.Phone = *l.Phone
	}
	return f
}

// Limits of the free-text fields, as the table's CHECK constraints hold them.
const (
	maxTitle        = 60
	maxOrganisation = 100
	maxBio          = 1000
	maxTopics       = 12
	maxTopic        = 20
)

// Parse checks the form and returns the lecturer, or one message key per
// bad field. Whether a community or an account exists is the store's to say.
func (f Form) Parse() (Fields, web.FieldErrors) {
	errs := web.FieldErrors{}
	out := Fields{
		Name:         strings.TrimSpace(f.Name),
		Team:         strings.TrimSpace(f.Team),
		Title:        strings.TrimSpace(f.Title),
		Organisation: strings.TrimSpace(f.Organisation),
		Bio:          strings.TrimSpace(f.Bio),
		Username:     auth.NormalizeUsername(f.Username),
	}
	if key := auth.NameProblem(out.Name); key != "" {
		errs.Add("name", key)
	}
	if !ValidTeam(out.Team) {
		errs.Add("team", "lecturers.team.invalid")
	}
	if utf8.RuneCountInString(out.Title) > maxTitle {
		errs.Add("title", "lecturers.title.long")
	}
	if utf8.RuneCountInString(out.Organisation) > maxOrganisation {
		errs.Add("organisation", "lecturers.organisation.long")
	}
	if utf8.RuneCountInString(out.Bio) > maxBio {
		errs.Add("bio", "lecturers.bio.long")
	}
	if c := strings.TrimSpace(f.Community); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("community", "lecturers.community.invalid")
		} else {
			out.CommunityID = &id
		}
	}
	phone := auth.NormalizePhone(f.Phone)
	if key := auth.PhoneProblem(phone, false); key != "" {
		errs.Add("phone", key)
	} else if phone != "" {
		out.Phone = &phone
	}
	topics, key := ParseTopics(f.Topics)
	if key != "" {
		errs.Add("topics", key)
	}
	out.Topics = topics
	if out.Username != "" {
		if key := auth.UsernameProblem(out.Username); key != "" {
			errs.Add("username", "lecturers.user.unknown")
		}
	}
	return out, errs
}

// ParseTopics splits a list of topics typed in one field — separated by
// commas (half or full width), 、, semicolons or new lines — dropping blanks
// and repeats. It returns the catalogue key of a problem, or "".
func ParseTopics(s string) ([]string, string) {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', '、', ';', '；', '\n', '\r', '|':
			return true
		}
		return false
	})
	out := []string{}
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(strings.Trim(p, "\u3000"))
		if p == "" || seen[p] {
			continue
		}
		if utf8.RuneCountInString(p) > maxTopic {
			return out, "lecturers.topic.long"
		}
		seen[p] = true
		out = append(out, p)
	}
	if len(out) > maxTopics {
		return out[:maxTopics], "lecturers.topics.many"
	}
	return out, ""
}
