// Package certificates issues the school's certificates (结业证书) from
// attendance, numbers them without gaps, prints them as PDF in Chinese and
// lets anyone verify one from the QR code on it.
package certificates

import "time"

// Printed is what one certificate shows: everything the PDF draws,
// worked out before drawing, so the renderer reads no database.
type Printed struct {
	Kind        string    // "course" (结业证书) or "mentoring" (跟岗练兵结业证书)
	Serial      string    // e.g. CCHY-2026-000123
	TraineeName string    // as printed
	CourseTitle string    // the course (or the mentoring post)
	StartsOn    time.Time // the course's first and last day
	EndsOn      time.Time
	CreditHours float64
	SchoolName  string
	IssuedOn    time.Time
	VerifyURL   string // BASE_URL + /verify/{serial}?c={code}: the QR code's content
	Wording     string // the body text, placeholders already filled in
}
