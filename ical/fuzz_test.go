package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzWriteParse(f *testing.F) {
	f.Add("党课", "会议室", "", "课表")
	f.Add("a,b;c\\d", "一楼,二楼;三楼", "行一\r\n行二\r行三\n", "")
	f.Add(strings.Repeat("学习贯彻党的二十大精神，", 10), strings.Repeat("x", 200), strings.Repeat("\\n,", 40), strings.Repeat("名", 30))
	f.Add("nul\x00 del\x7f c1\u0085", "bad\xff\xc3utf8", "\r\x00\n", "\x00")
	f.Add("\\", ";", ",", "\t")
	f.Add("END:VEVENT", "\r\nBEGIN:VALARM\r\n", "X:y\nZ", "😀"+strings.Repeat("é", 40))
	f.Fuzz(func(t *testing.T, summary, location, description, name string) {
		e := Event{
			UID:         "session-1@partyschool.example.org",
			Start:       time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC),
			End:         time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
			Summary:     summary,
			Location:    location,
			Description: description,
			Alarm:       time.Hour,
		}
		var b bytes.Buffer
		if err := (&Calendar{ProdID: "p", Name: name, Events: []Event{e}}).Write(&b, stamp); err != nil {
			t.Fatalf("Write: %v", err)
		}
		out := b.String()
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("output does not end with CRLF")
		}
		for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("line %d is bad (%d octets): %q", i+1, len(l), l)
			}
		}
		p, err := Parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, out)
		}
		if len(p.Events) != 1 || len(p.Events[0].Alarms) != 1 {
			t.Fatalf("parsed %d events, want 1 with 1 alarm:\n%s", len(p.Events), out)
		}
		got := p.Events[0].Props
		for prop, want := range map[string]string{
			"SUMMARY":     clean(summary),
			"LOCATION":    clean(location),
			"DESCRIPTION": clean(description),
			"UID":         e.UID,
			"DTSTART":     "20261201T110000Z",
		} {
			if got[prop] != want {
				t.Errorf("%s = %q, want %q", prop, got[prop], want)
			}
		}
		if got, want := p.Events[0].Alarms[0]["DESCRIPTION"], clean(summary); got != want {
			t.Errorf("VALARM DESCRIPTION = %q, want %q", got, want)
		}
		if got, want := p.Props["X-WR-CALNAME"], clean(name); got != want {
			t.Errorf("X-WR-CALNAME = %q, want %q", got, want)
		}
	})
}
