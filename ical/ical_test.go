package ical

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
	"unicode/utf8"
)

var stamp = time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)

// write writes c and fails the test on an error.
func write(t *testing.T, c *Calendar) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Write(&b, stamp); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.String()
}

// parse parses s and fails the test on an error.
func parse(t *testing.T, s string) *Parsed {
	t.Helper()
	p, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, s)
	}
	return p
}

// checkLines fails the test unless every physical line of s ends with CRLF,
// has at most 75 octets and is valid UTF-8. It returns the number of lines.
func checkLines(t *testing.T, s string) int {
	t.Helper()
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("output does not end with CRLF: %q", s)
	}
	lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is not valid UTF-8: %q", i+1, l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
	}
	return len(lines)
}

func session(uid string) Event {
	return Event{
		UID:     uid,
		Start:   time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC),
		End:     time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC),
		Summary: "党课",
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain", "plain"},
		{"a,b;c", `a\,b\;c`},
		{`C:\temp\`, `C:\\temp\\`},
		{`\n is not a newline`, `\\n is not a newline`},
		{"第一讲,党史;讨论", `第一讲\,党史\;讨论`},
		{"全角，逗号；不转义", "全角，逗号；不转义"},
		{"第一行\r\n第二行\n第三行\r第四行", `第一行\n第二行\n第三行\n第四行`},
		{"空行\r\n\r\n之后", `空行\n\n之后`},
		{"tab\tkept", "tab\tkept"},
		{"nul\x00 bell\a esc\x1b del\x7f c1\u0085 gone", "nul bell esc del c1 gone"},
		{"bad\xffutf\xc3-8", "badutf-8"},
		{"\\,;\n", `\\\,\;\n`},
	}
	for _, tt := range tests {
		if got := text(tt.in); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Hour, "PT1H"},
		{30 * time.Minute, "PT30M"},
		{90 * time.Minute, "PT1H30M"},
		{24 * time.Hour, "PT24H"},
		{time.Hour + 5*time.Second, "PT1H5S"},
		{45*time.Second + 900*time.Millisecond, "PT45S"},
		{500 * time.Millisecond, "PT0S"},
	}
	for _, tt := range tests {
		if got := duration(tt.in); got != tt.want {
			t.Errorf("duration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLineFolds(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("中", n) }
	tests := []struct {
		name, value, want string
	}{
		{"X", a(73), "X:" + a(73) + "\r\n"},
		{"X", a(74), "X:" + a(73) + "\r\n a\r\n"},
		{"X", a(73 + 74), "X:" + a(73) + "\r\n " + a(74) + "\r\n"},
		{"X", a(73 + 75), "X:" + a(73) + "\r\n " + a(74) + "\r\n a\r\n"},
		// 8 + 22*3 = 74 octets: the 23rd character would need 77.
		{"SUMMARY", zh(23), "SUMMARY:" + zh(22) + "\r\n 中\r\n"},
		// 1 + 24*3 = 73 octets on a continuation line: the 25th would need 76.
		{"SUMMARY", zh(22 + 25), "SUMMARY:" + zh(22) + "\r\n " + zh(24) + "\r\n 中\r\n"},
		// An escape stays with the backslash: 8 + 66 = 74, and "\," would end at 76.
		{"SUMMARY", a(66) + `\,b`, "SUMMARY:" + a(66) + "\r\n \\,b\r\n"},
		{"SUMMARY", a(65) + `\,b`, "SUMMARY:" + a(65) + "\\,\r\n b\r\n"},
	}
	for _, tt := range tests {
		var b builder
		b.line(tt.name, tt.value)
		if got := b.String(); got != tt.want {
			t.Errorf("line(%q, %q) =\n%q\nwant\n%q", tt.name, tt.value, got, tt.want)
		}
		checkLines(t, b.String())
	}
}

func TestWriteGolden(t *testing.T) {
	c := &Calendar{
		ProdID:   "-//partyschool//timetable//ZH",
		Name:     "党校课表",
		TimeZone: "Asia/Shanghai",
		Refresh:  time.Hour,
		Events: []Event{
			{
				UID:         "session-42@partyschool.example.org",
				Start:       time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC),
				End:         time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC),
				Summary:     "党史学习, 第一讲",
				Location:    "社区中心; 二楼",
				Description: "带笔记本\n准时到",
				URL:         "https://partyschool.example.org/sessions/42",
				Updated:     time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC),
				Alarm:       90 * time.Minute,
			},
			{
				UID:       "session-43@partyschool.example.org",
				Start:     time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC),
				End:       time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC),
				Summary:   "讨论",
				Cancelled: true,
			},
		},
	}
	want := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//partyschool//timetable//ZH",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"X-WR-CALNAME:党校课表",
		"X-WR-TIMEZONE:Asia/Shanghai",
		"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
		"X-PUBLISHED-TTL:PT1H",
		"BEGIN:VEVENT",
		"UID:session-42@partyschool.example.org",
		"DTSTAMP:20261120T083000Z",
		"DTSTART:20261201T110000Z",
		"DTEND:20261201T123000Z",
		`SUMMARY:党史学习\, 第一讲`,
		`LOCATION:社区中心\; 二楼`,
		`DESCRIPTION:带笔记本\n准时到`,
		"URL:https://partyschool.example.org/sessions/42",
		"LAST-MODIFIED:20261102T030405Z",
		"STATUS:CONFIRMED",
		"BEGIN:VALARM",
		"ACTION:DISPLAY",
		`DESCRIPTION:党史学习\, 第一讲`,
		"TRIGGER:-PT1H30M",
		"END:VALARM",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"UID:session-43@partyschool.example.org",
		"DTSTAMP:20261120T083000Z",
		"DTSTART:20261202T110000Z",
		"DTEND:20261202T120000Z",
		"SUMMARY:讨论",
		"STATUS:CANCELLED",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	got := write(t, c)
	if got != want {
		t.Errorf("Write =\n%s\nwant\n%s", got, want)
	}
	if again := write(t, c); again != got {
		t.Errorf("second Write differs:\n%s", again)
	}
}

func TestWriteBeijingTime(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []*time.Location{shanghai, time.FixedZone("CST", 8*60*60)} {
		e := session("s@x")
		e.Start = time.Date(2026, 12, 1, 19, 0, 0, 0, loc)
		e.End = time.Date(2026, 12, 1, 20, 30, 0, 0, loc)
		e.Updated = time.Date(2026, 11, 30, 8, 0, 0, 0, loc)
		out := write(t, &Calendar{ProdID: "p", Events: []Event{e}})
		for _, want := range []string{
			"\r\nDTSTART:20261201T110000Z\r\n",
			"\r\nDTEND:20261201T123000Z\r\n",
			"\r\nLAST-MODIFIED:20261130T000000Z\r\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", loc, strings.TrimSpace(want), out)
			}
		}
	}
	// The stamp is written in UTC too.
	var b bytes.Buffer
	err = (&Calendar{ProdID: "p", Events: []Event{session("s@x")}}).Write(&b, time.Date(2026, 11, 20, 16, 30, 0, 0, shanghai))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\r\nDTSTAMP:20261120T083000Z\r\n"; !strings.Contains(b.String(), want) {
		t.Errorf("output lacks %q:\n%s", strings.TrimSpace(want), b.String())
	}
}

func TestWriteAlarm(t *testing.T) {
	tests := []struct {
		alarm   time.Duration
		trigger string // "" for no VALARM
	}{
		{0, ""},
		{-time.Hour, ""},
		{time.Hour, "-PT1H"},
		{30 * time.Minute, "-PT30M"},
		{90 * time.Minute, "-PT1H30M"},
	}
	for _, tt := range tests {
		e := session("s@x")
		e.Summary = "党课, 第二讲"
		e.Alarm = tt.alarm
		p := parse(t, write(t, &Calendar{ProdID: "p", Events: []Event{e}}))
		alarms := p.Events[0].Alarms
		if tt.trigger == "" {
			if len(alarms) != 0 {
				t.Errorf("Alarm %v: got %d VALARMs, want none", tt.alarm, len(alarms))
			}
			continue
		}
		want := []map[string]string{{"ACTION": "DISPLAY", "TRIGGER": tt.trigger, "DESCRIPTION": "党课, 第二讲"}}
		if !reflect.DeepEqual(alarms, want) {
			t.Errorf("Alarm %v: got %v, want %v", tt.alarm, alarms, want)
		}
	}
}

func TestWriteOmitsEmpty(t *testing.T) {
	e := session("s@x")
	e.Location = "\x00"
	out := write(t, &Calendar{ProdID: "p", Events: []Event{e}})
	for _, name := range []string{"LOCATION", "DESCRIPTION", "URL", "LAST-MODIFIED", "X-WR-CALNAME", "X-WR-TIMEZONE", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "BEGIN:VALARM"} {
		if strings.Contains(out, "\n"+name) {
			t.Errorf("output has %s:\n%s", name, out)
		}
	}
}

func TestWriteFoldsLongChineseText(t *testing.T) {
	summary := strings.Repeat("学习贯彻党的二十大精神，", 12)
	description := strings.Repeat("社区党校第一讲；请带笔记本,准时到场。\n", 10) + `路径 C:\课件`
	e := session("session-7@partyschool.example.org")
	e.Summary, e.Description, e.Location = summary, description, strings.Repeat("地点", 40)
	e.URL = "https://partyschool.example.org/sessions/7?" + strings.Repeat("q=1&", 30)
	e.Alarm = time.Hour
	out := write(t, &Calendar{ProdID: "p", Name: summary, Events: []Event{e}})
	checkLines(t, out)
	if n := strings.Count(out, "\r\n "); n < 20 {
		t.Errorf("only %d continuation lines: long values were not folded", n)
	}
	p := parse(t, out)
	got := p.Events[0].Props
	for name, want := range map[string]string{"SUMMARY": summary, "DESCRIPTION": description, "LOCATION": e.Location, "URL": e.URL} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if p.Props["X-WR-CALNAME"] != summary {
		t.Errorf("X-WR-CALNAME = %q, want %q", p.Props["X-WR-CALNAME"], summary)
	}
	if got := p.Events[0].Alarms[0]["DESCRIPTION"]; got != summary {
		t.Errorf("VALARM DESCRIPTION = %q, want %q", got, summary)
	}
}

func TestRoundTrip(t *testing.T) {
	events := []Event{
		{UID: "a@x", Summary: "党课", Location: "会议室", Description: "无"},
		{UID: "b;c,d\\e@x", Summary: `a\b;c,d`, Location: "一楼,二楼;三楼", Description: "行一\r\n行二\r行三\n\n"},
		{UID: "c@x", Summary: "", Location: "", Description: ""},
		{UID: "d\r\n@x", Summary: "tab\there\x00", Location: "\\n", Description: `\\,\;`},
	}
	for i := range events {
		events[i].Start = time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
		events[i].End = events[i].Start.Add(time.Hour)
	}
	p := parse(t, write(t, &Calendar{ProdID: "-//partyschool//timetable//ZH", Name: "课表, 2026", Events: events}))
	if len(p.Events) != len(events) {
		t.Fatalf("parsed %d events, want %d", len(p.Events), len(events))
	}
	for i, e := range events {
		got := p.Events[i].Props
		for name, want := range map[string]string{
			"UID":         strip(e.UID),
			"SUMMARY":     clean(e.Summary),
			"LOCATION":    clean(e.Location),
			"DESCRIPTION": clean(e.Description),
		} {
			if got[name] != want {
				t.Errorf("event %d: %s = %q, want %q", i, name, got[name], want)
			}
		}
	}
	if got, want := p.Props["X-WR-CALNAME"], "课表, 2026"; got != want {
		t.Errorf("X-WR-CALNAME = %q, want %q", got, want)
	}
	if got, want := p.Props["PRODID"], "-//partyschool//timetable//ZH"; got != want {
		t.Errorf("PRODID = %q, want %q", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	ok := session("s@x")
	tests := []struct {
		name  string
		cal   Calendar
		stamp time.Time
	}{
		{"no PRODID", Calendar{ProdID: "\r\n", Events: []Event{ok}}, stamp},
		{"zero stamp", Calendar{ProdID: "p"}, time.Time{}},
		{"no UID", Calendar{ProdID: "p", Events: []Event{ok, func() Event { e := ok; e.UID = "\n"; return e }()}}, stamp},
		{"zero start", Calendar{ProdID: "p", Events: []Event{func() Event { e := ok; e.Start = time.Time{}; return e }()}}, stamp},
		{"end before start", Calendar{ProdID: "p", Events: []Event{func() Event { e := ok; e.End = e.Start.Add(-time.Minute); return e }()}}, stamp},
		{"relative URL", Calendar{ProdID: "p", Events: []Event{func() Event { e := ok; e.URL = "/sessions/1"; return e }()}}, stamp},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.cal.Write(&b, tt.stamp); err == nil {
			t.Errorf("%s: Write returned no error", tt.name)
		}
		if b.Len() != 0 {
			t.Errorf("%s: Write wrote %d bytes", tt.name, b.Len())
		}
	}
}

func TestWriteURLSanitised(t *testing.T) {
	e := session("s@x")
	e.URL = "https://partyschool.example.org/s/1\r\nX-INJECTED:yes"
	p := parse(t, write(t, &Calendar{ProdID: "p", Events: []Event{e}}))
	if got, want := p.Events[0].Props["URL"], "https://partyschool.example.org/s/1X-INJECTED:yes"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if _, ok := p.Events[0].Props["X-INJECTED"]; ok {
		t.Error("a CRLF in the URL started a new property")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReturnsWriterError(t *testing.T) {
	err := (&Calendar{ProdID: "p"}).Write(failWriter{}, stamp)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write error = %v, want disk full", err)
	}
}

func TestParse(t *testing.T) {
	in := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"prodid:-//x//y//EN",
		"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
		"X-WR-CALNAME:first",
		"X-WR-CALNAME:second",
		"BEGIN:VTIMEZONE",
		"TZID:Asia/Shanghai",
		"END:VTIMEZONE",
		"BEGIN:vevent",
		"UID:1@x",
		`SUMMARY;LANGUAGE=zh:党课\, 第一\;讲\\\N下一行\x`,
		"DESCRIPTION:fol",
		" ded",
		"\tagain",
		`URL:https://x.example/a\,b`,
		`ATTENDEE;CN="Li: Wei":mailto:li@example.org`,
		`X-DATA;VALUE=BINARY:a\,b`,
		"BEGIN:VALARM",
		"TRIGGER;RELATED=START:-PT15M",
		"END:VALARM",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	got := parse(t, in)
	want := &Parsed{
		Props:  map[string]string{"PRODID": "-//x//y//EN", "REFRESH-INTERVAL": "PT1H", "X-WR-CALNAME": "first"},
		Params: map[string]string{"REFRESH-INTERVAL": "VALUE=DURATION"},
		Events: []ParsedEvent{{
			Props: map[string]string{
				"UID":         "1@x",
				"SUMMARY":     "党课, 第一;讲\\\n下一行\\x",
				"DESCRIPTION": "foldedagain",
				"URL":         `https://x.example/a\,b`,
				"ATTENDEE":    "mailto:li@example.org",
				"X-DATA":      `a\,b`,
			},
			Params: map[string]string{"SUMMARY": "LANGUAGE=zh", "ATTENDEE": `CN="Li: Wei"`, "X-DATA": "VALUE=BINARY"},
			Alarms: []map[string]string{{"TRIGGER": "-PT15M"}},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	wrap := func(lines ...string) string {
		return "BEGIN:VCALENDAR\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCALENDAR\r\n"
	}
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"no calendar", "BEGIN:VEVENT\r\nEND:VEVENT\r\n"},
		{"unclosed calendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"},
		{"unclosed event", wrap("BEGIN:VEVENT")},
		{"mismatched END", wrap("BEGIN:VEVENT", "END:VALARM")},
		{"END without BEGIN", "END:VCALENDAR\r\n"},
		{"nested calendar", wrap("BEGIN:VCALENDAR", "END:VCALENDAR")},
		{"content after end", wrap() + "X:y\r\n"},
		{"second calendar", wrap() + "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
		{"line without colon", wrap("SUMMARY")},
		{"empty line", wrap("")},
		{"empty name", wrap(":value")},
		{"bad name", wrap("SUM MARY:x")},
		{"quote hides colon", wrap(`X;A="a:b`)},
		{"line of 76 octets", wrap("X:" + strings.Repeat("a", 74))},
		{"continuation of 76 octets", wrap("X:a", " "+strings.Repeat("a", 75))},
		{"bare LF", "BEGIN:VCALENDAR\nEND:VCALENDAR\n"},
		{"one bare LF", wrap("X:a\nY:b")},
		{"bare CR", wrap("X:a\rb")},
		{"no final CRLF", "BEGIN:VCALENDAR\r\nEND:VCALENDAR"},
		{"invalid UTF-8", wrap("X:\xff")},
		{"UTF-8 split by a fold", wrap("X:\xe4\xb8", " \xad")},
		{"leading continuation", " X:a\r\n" + wrap()},
	}
	for _, tt := range tests {
		if p, err := Parse(strings.NewReader(tt.in)); err == nil {
			t.Errorf("%s: Parse(%q) = %+v, want an error", tt.name, tt.in, p)
		}
	}
	// The limit itself is allowed.
	parse(t, wrap("X:"+strings.Repeat("a", 73), " "+strings.Repeat("a", 74)))
}
