package trainees

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partyschool/auth"
	"partyschool/courses"
	"partyschool/web"
)

// registryPerPage is how many trainees a page of the registry lists.
const registryPerPage = 30

// registryPage is what the registry template shows.
type registryPage struct {
	Trainees    []Trainee
	Filter      Filter
	Communities []web.Option
	Kinds       []string
	Total       int
	Pager       web.Pager
}

// registryFilterOf reads the registry's filter from the query string. A
// phone number typed with spaces or dashes searches by its digits.
func registryFilterOf(c *fiber.Ctx) Filter {
	f := Filter{Query: strings.TrimSpace(web.Clean(c.Query("q"), 50))}
	if d := auth.NormalizePhone(f.Query); d != "" && strings.Trim(d, "0123456789") == "" {
		f.Query = d
	}
	if i := slices.Index(Kinds, c.Query("kind")); i >= 0 {
		f.Kind = Kinds[i]
	}
	if id, err := strconv.ParseInt(c.Query("community"), 10, 64); err == nil && id > 0 {
		f.CommunityID = id
	}
	return f
}

func (f Filter) values() url.Values {
	v := url.Values{}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Kind != "" {
		v.Set("kind", f.Kind)
	}
	if f.CommunityID != 0 {
		v.Set("community", strconv.FormatInt(f.CommunityID, 10))
	}
	return v
}

// Index is the registry: trainees by name, searched by name or phone
// number and narrowed by community and type, a page at a time. Phone
// numbers are masked.
func (h *Handler) Index(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := registryFilterOf(c)
	page := web.PageNumber(c)
	f.Limit, f.Offset = registryPerPage, (page-1)*registryPerPage
	list, total, err := h.Store.List(ctx, f)
	if err != nil {
		return err
	}
	communities, err := h.Places.Communities(ctx)
	if err != nil {
		return err
	}
	d := registryPage{Trainees: list, Filter: f, Kinds: Kinds, Total: total}
	for _, m := range communities {
		d.Communities = append(d.Communities, web.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name, Selected: m.ID == f.CommunityID})
	}
	d.Pager = web.NewPager(page, total, registryPerPage, func(n int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(n))
		return "/trainees?" + v.Encode()
	})
	p := web.NewPage(c, "registry.title")
	p.Data = d
	c.Set(fiber.HeaderCacheControl, "no-store") // names, workplaces, party branches
	return web.Render(c, fiber.StatusOK, "trainees/index", p)
}

// traineePage is what a trainee's page shows coordinators.
type traineePage struct {
	Trainee *Trainee
	// Username is the trainee's username, any phone number in it masked:
	// accounts made before usernames were generated are named after it.
	Username string
	Gender   string // "" when not given
	Courses  []courses.Enrolled
	Ledger   Ledger
	Target   float64 // the yearly credit hours party members should reach
	Pairs    []PairLine
}

// Show is a trainee's page for coordinators: the profile, the courses
// they are on or waiting for, and this year's credit hours.
func (h *Handler) Show(c *fiber.Ctx) error {
	t, err := h.trainee(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d := traineePage{Trainee: t, Username: auth.MaskUsername(t.Username)}
	if t.Gender != nil {
		d.Gender = *t.Gender
	}
	if d.Courses, err = h.Store.MyCourses(ctx, t.ID); err != nil {
		return err
	}
	if d.Ledger, err = h.Store.Ledger(ctx, t.ID, time.Now().In(web.Shanghai).Year()); err != nil {
		return err
	}
	if d.Pairs, err = h.Store.Pairs(ctx, t.ID); err != nil {
		return err
	}
	school, err := h.Settings.Get(ctx)
	if err != nil {
		return err
	}
	d.Target = school.CreditHourTarget
	p := web.NewPage(c, "")
	p.Title = t.Name
	p.Data = d
	if c.Query("done") == "saved" {
		p.Notice = p.T("registry.saved")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "trainees/show", p)
}

// trainee loads the trainee named by the :id parameter; any other
// account, or none, is 404.
func (h *Handler) trainee(c *fiber.Ctx) (*Trainee, error) {
	id, err := web.PathID(c)
	if err != nil {
		return nil, err
	}
	t, err := h.Store.Get(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, web.NotFound()
	}
	return t, err
}

// editForm is the coordinator's profile form of trainee id.
func editForm(id int64) profileForm {
	u := "/trainees/" + strconv.FormatInt(id, 10)
	return profileForm{Action: u, Cancel: u}
}

// Edit shows a coordinator a trainee's profile form, whole phone number
// included.
func (h *Handler) Edit(c *fiber.Ctx) error {
	t, err := h.trainee(c)
	if err != nil {
		return err
	}
	return h.renderProfileForm(c, fiber.StatusOK, "registry.edit.title", editForm(t.ID), FormOf(t), nil)
}

// Update saves a coordinator's changes to a trainee's profile.
func (h *Handler) Update(c *fiber.Ctx) error {
	t, err := h.trainee(c)
	if err != nil {
		return err
	}
	ok, err := h.saveProfile(c, t.ID, "registry.edit.title", editForm(t.ID), formOf(c))
	if errors.Is(err, ErrNotFound) {
		return web.NotFound()
	}
	if !ok || err != nil {
		return err
	}
	return c.Redirect("/trainees/"+strconv.FormatInt(t.ID, 10)+"?done=saved", fiber.StatusSeeOther)
}

// newForm is the coordinator's form for one new trainee.
var newForm = profileForm{Action: "/trainees", Cancel: "/trainees"}

// New shows the form for one new trainee.
func (h *Handler) New(c *fiber.Ctx) error {
	d := newForm
	d.Intro = web.T(c, "registry.new.intro")
	return h.renderProfileForm(c, fiber.StatusOK, "registry.new.title", d, Form{Kind: KindResident}, nil)
}

// createdPage is what the page after adding one trainee shows.
type createdPage struct {
	Created  []NewAccount
	LoginURL string
}

// Create adds one trainee with an account and a one-time password, and
// shows the password, once: it is in this response only, never stored.
func (h *Handler) Create(c *fiber.Ctx) error {
	form := formOf(c)
	d := newForm
	d.Intro = web.T(c, "registry.new.intro")
	fields, errs := form.Parse()
	if errs.Any() {
		return h.renderProfileForm(c, fiber.StatusUnprocessableEntity, "registry.new.title", d, form, errs)
	}
	acc, err := h.Store.Create(c.UserContext(), fields)
	switch {
	case errors.Is(err, auth.ErrPhoneTaken):
		errs.Add("phone", "registry.phone.taken")
	case errors.Is(err, ErrUnknownCommunity):
		errs.Add("community", "trainees.community.invalid")
	case err != nil:
		return err
	}
	if errs.Any() {
		return h.renderProfileForm(c, fiber.StatusUnprocessableEntity, "registry.new.title", d, form, errs)
	}
	h.Logger.Info("trainee created", "by", web.ViewerOf(c).ID, "trainee", acc.ID, "request_id", web.RequestID(c))
	p := web.NewPage(c, "registry.created.title")
	p.Data = createdPage{Created: []NewAccount{*acc}, LoginURL: h.loginURL()}
	p.Notice = p.T("registry.created", acc.Name)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, fiber.StatusOK, "trainees/new", p)
}

// loginURL is where a slip tells a new trainee to sign in: from BASE_URL,
// never from the request's Host (SECURITY.md 15).
func (h *Handler) loginURL() string {
	if h.BaseURL == nil {
		return "/login"
	}
	return strings.TrimSuffix(h.BaseURL.String(), "/") + "/login"
}
