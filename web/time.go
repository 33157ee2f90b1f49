package web

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the zone must load on machines without a zoneinfo database
)

// Shanghai is the zone every time is shown in.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic("load Asia/Shanghai: " + err.Error())
	}
	return loc
}()

// Layouts of the date and time fields of the forms (what <input
// type="date">, type="time" and type="datetime-local" send).
const (
	DateLayout     = "2006-01-02"
	ClockLayout    = "15:04"
	DateTimeLayout = "2006-01-02T15:04"
)

// ParseDate reads a form date as midnight in Beijing time.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(DateLayout, strings.TrimSpace(s), Shanghai)
	return t, err == nil && t.Year() >= 2000 && t.Year() <= 2100
}

// ParseDateTime reads a form date and time in Beijing time. Seconds, which
// some browsers add, are accepted and dropped.
func ParseDateTime(s string) (time.Time, bool) {
	s = strings.Replace(strings.TrimSpace(s), " ", "T", 1)
	if len(s) == len("2006-01-02T15:04:05") {
		s = s[:len(DateTimeLayout)]
	}
	t, err := time.ParseInLocation(DateTimeLayout, s, Shanghai)
	return t, err == nil && t.Year() >= 2000 && t.Year() <= 2100
}

// ParseClock reads a form time of day ("19:00") as the minutes since midnight.
func ParseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) == len("15:04:05") {
		s = s[:len(ClockLayout)]
	}
	t, err := time.Parse(ClockLayout, s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// At returns the instant at minutes past midnight of day's date in Beijing
// time. China keeps no daylight saving, so every day has 24 hours.
func At(day time.Time, minutes int) time.Time {
	y, m, d := day.In(Shanghai).Date()
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, Shanghai)
}

// Day returns midnight, Beijing time, of the day t falls on.
func Day(t time.Time) time.Time { return At(t, 0) }

// WeekStart returns the Monday, Beijing time, of the week t falls in.
func WeekStart(t time.Time) time.Time {
	d := Day(t)
	offset := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -offset)
}

var weekdaysZH = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// DayLabel names a day the way each language writes it on a timetable:
// 12月1日 周二, or Tue 1 Dec.
func DayLabel(lang string, t time.Time) string {
	t = t.In(Shanghai)
	if lang == "en" {
		return t.Format("Mon 2 Jan")
	}
	return fmt.Sprintf("%d月%d日 %s", t.Month(), t.Day(), weekdaysZH[t.Weekday()])
}
