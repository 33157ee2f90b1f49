// Package web is what every domain's handlers share to answer a browser:
// the page model handed to templates, the signed-in viewer, form errors,
// the navigation and small helpers such as phone masking. It holds no
// state of its own; the app's middleware fills the request locals it reads.
package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partyschool/i18n"
)

// Roles a user can hold. A user has exactly one.
const (
	RoleTrainee     = "trainee"
	RoleLecturer    = "lecturer"
	RoleCoordinator = "coordinator"
	RoleAdmin       = "admin"
)

// Roles lists every role, from the least to the most privileged.
var Roles = []string{RoleTrainee, RoleLecturer, RoleCoordinator, RoleAdmin}

// Viewer is the signed-in user as the pages need them.
type Viewer struct {
	ID       int64
	Username string
	Name     string
	Role     string
	// MustChangePassword: signed in with a one-time password, which must
	// be replaced before anything else.
	MustChangePassword bool
}

// Is reports whether the viewer holds one of roles.
func (v *Viewer) Is(roles ...string) bool {
	if v == nil {
		return false
	}
	for _, r := range roles {
		if v.Role == r {
			return true
		}
	}
	return false
}

// Keys of the request locals that the app's middleware sets.
const (
	localViewer    = "web.viewer"
	localLang      = "web.lang"
	localCSRF      = "web.csrf"
	localRequestID = "web.requestid"
	localLargeText = "web.largetext"
	localSchool    = "web.school"
)

// SetViewer records the signed-in user for the rest of the request.
func SetViewer(c *fiber.Ctx, v *Viewer) { c.Locals(localViewer, v) }

// ViewerOf returns the signed-in user, or nil for an anonymous visitor.
func ViewerOf(c *fiber.Ctx) *Viewer {
	v, _ := c.Locals(localViewer).(*Viewer)
	return v
}

// IsStaff reports whether the request's viewer runs the school's
// training: a coordinator or an admin.
func IsStaff(c *fiber.Ctx) bool {
	return ViewerOf(c).Is(RoleCoordinator, RoleAdmin)
}

// SetLang records the language chosen for this request.
func SetLang(c *fiber.Ctx, lang string) { c.Locals(localLang, lang) }

// LangOf returns the language of this request.
func LangOf(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return i18n.Default
}

// T translates key into the language of this request.
func T(c *fiber.Ctx, key string, args ...any) string {
	return i18n.T(LangOf(c), key, args...)
}

// SetCSRFToken records the token that forms of this request must carry.
func SetCSRFToken(c *fiber.Ctx, token string) { c.Locals(localCSRF, token) }

// CSRFToken returns the token that forms of this request must carry.
func CSRFToken(c *fiber.Ctx) string {
	s, _ := c.Locals(localCSRF).(string)
	return s
}

// SetRequestID records the id that logs and error pages quote.
func SetRequestID(c *fiber.Ctx, id string) { c.Locals(localRequestID, id) }

// RequestID returns the id of this request.
func RequestID(c *fiber.Ctx) string {
	s, _ := c.Locals(localRequestID).(string)
	return s
}

// SetLargeText records whether the visitor chose large text (适老化模式).
func SetLargeText(c *fiber.Ctx, on bool) { c.Locals(localLargeText, on) }

// SetSchoolName records the school's name for the layout.
func SetSchoolName(c *fiber.Ctx, name string) { c.Locals(localSchool, name) }

// MaskPhone hides the middle four digits of a mobile number: 138****5678.
// Anything that is not an 11-digit number is masked whole but for its
// last two characters, so no format leaks more than it should.
func MaskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	r := []rune(phone)
	if len(r) == 11 {
		return string(r[:3]) + "****" + string(r[7:])
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}

// MaxFormValue caps a form field in bytes: the longest field any form
// takes is 4,000 characters, and a character is at most 4 bytes, so a
// field is never cut short here — an overlong one reaches the form's own
// check and gets its message.
const MaxFormValue = 16000

// FormValue returns a form field as a string of its own (not a view into
// Fiber's pooled buffer), trimmed of invalid UTF-8 and NUL bytes, which
// PostgreSQL would refuse, and capped at MaxFormValue bytes.
func FormValue(c *fiber.Ctx, key string) string {
	return Clean(c.FormValue(key), MaxFormValue)
}

// Clean returns a copy of s that is valid UTF-8 without NUL bytes and at
// most max bytes long, cut on a character boundary.
func Clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.Clone(s)
}

// PathID parses the :id route parameter. A malformed or out-of-range id
// answers 404, like a missing object, never 500.
func PathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, NotFound()
	}
	return id, nil
}

// PageNumber reads the ?page= query parameter, 1 when absent or malformed.
func PageNumber(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

const localClientIP = "web.clientip"

// SetClientIP records the visitor's address as the app worked it out.
func SetClientIP(c *fiber.Ctx, ip string) { c.Locals(localClientIP, ip) }

// ClientIP returns the visitor's address: the peer of the connection, or,
// behind a configured reverse proxy, the address that proxy saw.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok && ip != "" {
		return ip
	}
	return c.IP()
}

// Blank reports whether s shows nothing: only spaces and invisible
// characters such as the zero-width space.
func Blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// AttachmentName is a Content-Disposition header for a download: an ASCII
// fallback name and the real one in UTF-8 (RFC 6266), so Chinese file
// names arrive intact.
func AttachmentName(name string) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i:]
	}
	return `attachment; filename="download` + ext + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// XLSXType is the media type of an .xlsx workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SendXLSX answers with a workbook to download as name. It is never kept
// by a cache: the exports hold personal data.
func SendXLSX(c *fiber.Ctx, name string, data []byte) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, XLSXType)
	c.Set(fiber.HeaderContentDisposition, AttachmentName(name))
	return c.Send(data)
}
