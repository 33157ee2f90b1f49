// Package ical writes iCalendar (RFC 5545) feeds of course sessions, and
// parses such feeds back so that tests can check what a feed says.
package ical

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event is one VEVENT.
type Event struct {
	UID         string    // stable, e.g. "session-42@partyschool.example.org"
	Start, End  time.Time // written in UTC with a trailing Z
	Summary     string
	Location    string        // may be empty: then no LOCATION line
	Description string        // may be empty: then no DESCRIPTION line
	URL         string        // absolute; may be empty: then no URL line
	Updated     time.Time     // LAST-MODIFIED when non-zero
	Sequence    int           // SEQUENCE when > 0: higher for each revision, so clients apply changes
	Cancelled   bool          // STATUS:CANCELLED, else STATUS:CONFIRMED
	Alarm       time.Duration // > 0: a display alarm this long before Start
}

// Calendar is a VCALENDAR.
type Calendar struct {
	ProdID   string        // e.g. "-//partyschool//timetable//ZH"; required
	Name     string        // X-WR-CALNAME when not empty
	TimeZone string        // X-WR-TIMEZONE, e.g. "Asia/Shanghai" (a hint only: times are UTC)
	Refresh  time.Duration // REFRESH-INTERVAL and X-PUBLISHED-TTL when > 0
	Events   []Event
}

// maxLine is the longest physical line RFC 5545 allows, in octets, without the CRLF.
const maxLine = 75

const utcLayout = "20060102T150405Z"

// Write writes the calendar to w with CRLF line ends. stamp is the DTSTAMP of
// every event (pass the request time; it is written in UTC). Text values are
// cleaned and escaped, long lines folded. Write returns an error, and writes
// nothing, when the calendar has no PRODID, stamp is zero, or an event has no
// UID, a zero Start, an End before its Start or a URL that is not absolute.
func (c *Calendar) Write(w io.Writer, stamp time.Time) error {
	prodID := escaper.Replace(strip(c.ProdID))
	if prodID == "" {
		return errors.New("write calendar: empty PRODID")
	}
	if stamp.IsZero() {
		return errors.New("write calendar: zero DTSTAMP")
	}
	var b builder
	b.line("BEGIN", "VCALENDAR")
	b.line("VERSION", "2.0")
	b.line("PRODID", prodID)
	b.line("CALSCALE", "GREGORIAN")
	b.line("METHOD", "PUBLISH")
	if name := text(c.Name); name != "" {
		b.line("X-WR-CALNAME", name)
	}
	if tz := escaper.Replace(strip(c.TimeZone)); tz != "" {
		b.line("X-WR-TIMEZONE", tz)
	}
	if c.Refresh > 0 {
		b.line("REFRESH-INTERVAL;VALUE=DURATION", duration(c.Refresh))
		b.line("X-PUBLISHED-TTL", duration(c.Refresh))
	}
	for i := range c.Events {
		if err := b.event(&c.Events[i], stamp); err != nil {
			return fmt.Errorf("write calendar: event %d (%q): %w", i, c.Events[i].UID, err)
		}
	}
	b.line("END", "VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

// builder collects the folded content lines of a calendar.
type builder struct {
	strings.Builder
}

// event writes one VEVENT.
func (b *builder) event(e *Event, stamp time.Time) error {
	uid := escaper.Replace(strip(e.UID))
	if uid == "" {
		return errors.New("empty UID")
	}
	if e.Start.IsZero() {
		return errors.New("zero start")
	}
	if e.End.Before(e.Start) {
		return errors.New("end before start")
	}
	link := strip(e.URL)
	if link != "" {
		if u, err := url.Parse(link); err != nil || !u.IsAbs() {
			return fmt.Errorf("URL %q is not absolute", link)
		}
	}
	summary := text(e.Summary)
	b.line("BEGIN", "VEVENT")
	b.line("UID", uid)
	b.line("DTSTAMP", stamp.UTC().Format(utcLayout))
	b.line("DTSTART", e.Start.UTC().Format(utcLayout))
	b.line("DTEND", e.End.UTC().Format(utcLayout))
	b.line("SUMMARY", summary)
	if v := text(e.Location); v != "" {
		b.line("LOCATION", v)
	}
	if v := text(e.Description); v != "" {
		b.line("DESCRIPTION", v)
	}
	if link != "" {
		b.line("URL", link)
	}
	if e.Sequence > 0 {
		b.line("SEQUENCE", strconv.Itoa(e.Sequence))
	}
	if !e.Updated.IsZero() {
		b.line("LAST-MODIFIED", e.Updated.UTC().Format(utcLayout))
	}
	if e.Cancelled {
		b.line("STATUS", "CANCELLED")
	} else {
		b.line("STATUS", "CONFIRMED")
	}
	if e.Alarm > 0 {
		b.line("BEGIN", "VALARM")
		b.line("ACTION", "DISPLAY")
		b.line("DESCRIPTION", summary)
		b.line("TRIGGER", "-"+duration(e.Alarm))
		b.line("END", "VALARM")
	}
	b.line("END", "VEVENT")
	return nil
}

// line writes the content line name:value, folded so that no physical line
// is longer than maxLine octets. A fold never splits a UTF-8 sequence, nor a
// backslash escape from the character it escapes.
func (b *builder) line(name, value string) {
	s := name + ":" + value
	limit := maxLine
	for len(s) > limit {
		i := 0
		for i < len(s) {
			n := tokenLen(s[i:])
			if i+n > limit {
				break
			}
			i += n
		}
		b.WriteString(s[:i])
		b.WriteString("\r\n ")
		s = s[i:]
		limit = maxLine - 1 // the leading space takes one octet
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}

// tokenLen is the length in octets of the rune, or of the backslash and the
// rune it escapes, at the start of s.
func tokenLen(s string) int {
	n := 0
	if s[0] == '\\' && len(s) > 1 {
		n = 1
	}
	_, size := utf8.DecodeRuneInString(s[n:])
	return n + size
}

var (
	escaper   = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`)
	unescaper = strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
)

// text returns s cleaned and escaped as an RFC 5545 TEXT value.
func text(s string) string {
	return escaper.Replace(clean(s))
}

// clean returns s as a TEXT value keeps it: invalid UTF-8 removed, every line
// break (CRLF, CR or LF) made one LF, and control characters other than TAB
// and LF removed.
func clean(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.ToValidUTF8(s, ""))
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// strip returns s with invalid UTF-8 and every control character, line
// breaks included, removed: for values that must stay on one line.
func strip(s string) string {
	return strings.Join(strings.FieldsFunc(clean(s), unicode.IsControl), "")
}

// duration formats d, to the second, as an RFC 5545 duration such as PT1H30M.
func duration(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs <= 0 {
		return "PT0S"
	}
	s := "PT"
	if h := secs / 3600; h > 0 {
		s += strconv.FormatInt(h, 10) + "H"
	}
	if m := secs % 3600 / 60; m > 0 {
		s += strconv.FormatInt(m, 10) + "M"
	}
	if sec := secs % 60; sec > 0 {
		s += strconv.FormatInt(sec, 10) + "S"
	}
	return s
}

// Parsed is an iCalendar stream as read by Parse.
type Parsed struct {
	Props  map[string]string // calendar properties by upper-case name: the first occurrence, TEXT unescaped
	Params map[string]string // the raw parameters of those properties, e.g. "VALUE=DURATION"
	Events []ParsedEvent
}

// ParsedEvent is one VEVENT as read by Parse.
type ParsedEvent struct {
	Props  map[string]string   // properties by upper-case name: the first occurrence, TEXT unescaped
	Params map[string]string   // the raw parameters of those properties
	Alarms []map[string]string // the properties of each VALARM
}

// Parse reads an iCalendar stream: it unfolds lines, splits each into
// name;params:value and unescapes TEXT values. Properties of components other
// than VCALENDAR, VEVENT and VALARM are skipped. Parse returns an error for a
// malformed stream: BEGIN/END mismatch, a line without a colon, a physical
// line longer than 75 octets or not valid UTF-8, a CR or LF not part of a
// CRLF, or anything outside the one VCALENDAR.
func Parse(r io.Reader) (*Parsed, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("parse calendar: %w", err)
	}
	lines, err := unfold(string(data))
	if err != nil {
		return nil, fmt.Errorf("parse calendar: %w", err)
	}
	p := &Parsed{Props: map[string]string{}, Params: map[string]string{}}
	var stack []string
	done := false
	for _, l := range lines {
		name, params, value, err := split(l.text)
		if err == nil && done {
			err = errors.New("content after END:VCALENDAR")
		}
		if err == nil && len(stack) == 0 && (name != "BEGIN" || !strings.EqualFold(value, "VCALENDAR")) {
			err = errors.New("content outside VCALENDAR")
		}
		if err != nil {
			return nil, fmt.Errorf("parse calendar: line %d: %w", l.num, err)
		}
		switch name {
		case "BEGIN":
			v := strings.ToUpper(value)
			if v == "VCALENDAR" && len(stack) > 0 {
				return nil, fmt.Errorf("parse calendar: line %d: nested VCALENDAR", l.num)
			}
			stack = append(stack, v)
			switch strings.Join(stack, "/") {
			case "VCALENDAR/VEVENT":
				p.Events = append(p.Events, ParsedEvent{Props: map[string]string{}, Params: map[string]string{}})
			case "VCALENDAR/VEVENT/VALARM":
				e := &p.Events[len(p.Events)-1]
				e.Alarms = append(e.Alarms, map[string]string{})
			}
		case "END":
			if top := stack[len(stack)-1]; !strings.EqualFold(value, top) {
				return nil, fmt.Errorf("parse calendar: line %d: END:%s closes BEGIN:%s", l.num, value, top)
			}
			stack = stack[:len(stack)-1]
			done = len(stack) == 0
		default:
			switch strings.Join(stack, "/") {
			case "VCALENDAR":
				set(p.Props, p.Params, name, params, value)
			case "VCALENDAR/VEVENT":
				e := &p.Events[len(p.Events)-1]
				set(e.Props, e.Params, name, params, value)
			case "VCALENDAR/VEVENT/VALARM":
				e := &p.Events[len(p.Events)-1]
				set(e.Alarms[len(e.Alarms)-1], nil, name, params, value)
			}
		}
	}
	if !done {
		return nil, errors.New("parse calendar: no complete VCALENDAR")
	}
	return p, nil
}

// logical is one unfolded content line and the number of its first physical line.
type logical struct {
	num  int
	text string
}

// unfold splits s into CRLF-ended physical lines, checks them and joins each
// continuation line (one starting with a space or a TAB) to the line before.
func unfold(s string) ([]logical, error) {
	phys := strings.Split(s, "\r\n")
	if last := phys[len(phys)-1]; last != "" {
		return nil, fmt.Errorf("line %d: no CRLF at the end", len(phys))
	}
	phys = phys[:len(phys)-1]
	var out []logical
	for i, p := range phys {
		switch {
		case strings.ContainsAny(p, "\r\n"):
			return nil, fmt.Errorf("line %d: CR or LF without the other", i+1)
		case len(p) > maxLine:
			return nil, fmt.Errorf("line %d: %d octets, more than %d", i+1, len(p), maxLine)
		case !utf8.ValidString(p):
			return nil, fmt.Errorf("line %d: invalid UTF-8", i+1)
		case p != "" && (p[0] == ' ' || p[0] == '\t'):
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: continuation of no line", i+1)
			}
			out[len(out)-1].text += p[1:]
		default:
			out = append(out, logical{num: i + 1, text: p})
		}
	}
	return out, nil
}

// split splits a content line into its upper-case name, raw parameters and
// value. The value starts after the first colon outside double quotes.
func split(s string) (name, params, value string, err error) {
	colon, quoted := -1, false
	for i := 0; i < len(s) && colon < 0; i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ':' && !quoted:
			colon = i
		}
	}
	if colon < 0 {
		return "", "", "", errors.New("no colon")
	}
	name, params, _ = strings.Cut(s[:colon], ";")
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return r != '-' && (r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r))
	}) >= 0 {
		return "", "", "", fmt.Errorf("bad property name %q", name)
	}
	return strings.ToUpper(name), params, s[colon+1:], nil
}

// notText lists properties whose value type is not TEXT, so not escaped.
var notText = map[string]bool{
	"URL": true, "ATTACH": true, "TZURL": true, "SOURCE": true,
	"ORGANIZER": true, "ATTENDEE": true,
}

// set records the first occurrence of a property, unescaping TEXT values.
func set(props, rawParams map[string]string, name, params, value string) {
	if _, ok := props[name]; ok {
		return
	}
	isText := !notText[name]
	for _, p := range strings.Split(params, ";") {
		if k, v, _ := strings.Cut(p, "="); strings.EqualFold(k, "VALUE") && !strings.EqualFold(v, "TEXT") {
			isText = false
		}
	}
	if isText {
		value = unescaper.Replace(value)
	}
	props[name] = value
	if rawParams != nil && params != "" {
		rawParams[name] = params
	}
}
