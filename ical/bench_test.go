package ical

import (
	"io"
	"strconv"
	"testing"
	"time"
)

// BenchmarkWrite writes a lecturer-year feed: 400 events with Chinese text
// long enough to fold.
func BenchmarkWrite(b *testing.B) {
	at := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	cal := Calendar{ProdID: "-//partyschool//timetable//ZH", Name: "李建国 · 课表", Refresh: time.Hour}
	for i := 0; i < 400; i++ {
		cal.Events = append(cal.Events, Event{
			UID:   "session-" + strconv.Itoa(i) + "@partyschool.example.org",
			Start: at.AddDate(0, 0, i), End: at.AddDate(0, 0, i).Add(2 * time.Hour),
			Summary:     "学习贯彻党的二十届四中全会精神宣讲：全会精神总体解读",
			Location:    "长城花园社区 社区党校教室（长城花园社区党群服务中心二层）",
			Description: "讲师：李建国（专家讲师）\n课程编号：DX-2026-01",
			URL:         "https://partyschool.example.org/courses/" + strconv.Itoa(i),
			Alarm:       time.Hour,
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := cal.Write(io.Discard, at); err != nil {
			b.Fatal(err)
		}
	}
}
