package audit

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"

	"partyschool/web"
)

// Line is one entry of the log as the search shows it.
type Line struct {
	ID       int64     `db:"id"`
	At       time.Time `db:"at"`
	ActorID  *int64    `db:"actor_id"`
	Actor    *string   `db:"actor_name"` // nil for the system, or an account since removed
	Action   string    `db:"action"`
	Object   string    `db:"object"`
	Subject  *string   `db:"subject_name"` // the name of the user an object "user N" is about
	Details  []byte    `db:"details"`
	ClientIP *string   `db:"client_ip"`
}

// Detail is one key and value of an entry's details, as text.
type Detail struct {
	Key, Value string
	Label      string // the key in words, filled in by the page
}

// DetailList returns the entry's details sorted by key, each value as
// plain text: strings as they are, numbers as written, anything nested as
// compact JSON, and any mobile number in them masked. The page escapes
// them like any other text.
func (l Line) DetailList() []Detail {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(l.Details, &m); err != nil || len(m) == 0 {
		return nil
	}
	out := make([]Detail, 0, len(m))
	for k, raw := range m {
		out = append(out, Detail{Key: k, Value: MaskPhones(detailValue(raw))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func detailValue(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

// digits finds each run of digits; a run that is a mainland mobile number
// as a whole (not a part of a longer one, such as a serial) is masked.
var (
	digits       = regexp.MustCompile(`[0-9]+`)
	mobileNumber = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

// MaskPhones masks every mobile number in s (SECURITY.md 23): no entry
// is written with one, but free text in details could carry one, and a
// list of entries needs none in full.
func MaskPhones(s string) string {
	return digits.ReplaceAllStringFunc(s, func(run string) string {
		if mobileNumber.MatchString(run) {
			return web.MaskPhone(run)
		}
		return run
	})
}

// Filter narrows a search of the log. Empty fields match everything.
type Filter struct {
	// Action is an action ("auth.login") or its first dot-separated parts
	// ("auth" finds auth.login and auth.login_failed, not author.x).
	Action string
	Actor  string    // part of the name or username of who did it
	Object string    // part of the object, or of the name of the user it names
	From   time.Time // entries at or after this; zero: no lower bound
	Until  time.Time // entries before this; zero: no upper bound
	// Before and After page through the results: the entries just older,
	// or just newer, than the entry with this id. Zero: the newest.
	Before, After int64
	Limit         int
}

// SearchForm is the search form as typed.
type SearchForm struct {
	Action, Actor, Object, From, To string
}

// actionPattern is what an action filter may hold: the letters of actions
// (the schema's CHECK) and a trailing "." or ".*" people may add.
var actionPattern = regexp.MustCompile(`^[a-z_.]{1,60}$`)

// Parse validates the form into a filter, with one message per bad field.
// Dates are days in Beijing time; To includes its whole day.
func (f SearchForm) Parse() (Filter, web.FieldErrors) {
	errs := web.FieldErrors{}
	flt := Filter{Actor: strings.TrimSpace(f.Actor), Object: strings.TrimSpace(f.Object)}
	action := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(f.Action)), "*")
	if action != "" {
		if !actionPattern.MatchString(action) {
			errs.Add("action", "audit.action.invalid")
		} else {
			flt.Action = strings.Trim(action, ".")
		}
	}
	if strings.TrimSpace(f.From) != "" {
		if d, ok := web.ParseDate(f.From); ok {
			flt.From = d
		} else {
			errs.Add("from", "audit.date.invalid")
		}
	}
	if strings.TrimSpace(f.To) != "" {
		if d, ok := web.ParseDate(f.To); ok {
			flt.Until = d.AddDate(0, 0, 1)
		} else {
			errs.Add("to", "audit.date.invalid")
		}
	}
	if !flt.From.IsZero() && !flt.Until.IsZero() && !flt.From.Before(flt.Until) {
		errs.Add("to", "audit.date.order")
	}
	return flt, errs
}
