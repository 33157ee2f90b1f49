package trainees

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partyschool/audit"
	"partyschool/web"
)

// maxPrivacyText is the longest reason or answer a request keeps.
const maxPrivacyText = 200

// privacyPage is what a trainee's own privacy page shows.
type privacyPage struct {
	Request *DeletionRequest // the latest, nil before any
	Reason  string
}

// MyPrivacy is a trainee's page about their own data: download it all,
// or ask for the account to be erased (and see the answer).
func (h *Handler) MyPrivacy(c *fiber.Ctx) error {
	return h.renderPrivacy(c, fiber.StatusOK, "", "")
}

func (h *Handler) renderPrivacy(c *fiber.Ctx, status int, reason, alertKey string) error {
	r, err := h.Store.MyDeletion(c.UserContext(), web.ViewerOf(c).ID)
	if err != nil {
		return err
	}
	p := web.NewPage(c, "privacy.mine.title")
	p.Data = privacyPage{Request: r, Reason: reason}
	if key := map[string]string{"requested": "privacy.mine.requested", "cancelled": "privacy.mine.cancelled"}[c.Query("done")]; key != "" {
		p.Notice = p.T(key)
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, status, "trainees/privacy", p)
}

// MyData downloads everything the school keeps about the trainee, as
// JSON. The download is audited like any export of personal data.
func (h *Handler) MyData(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := web.ViewerOf(c)
	d, err := h.Store.Data(ctx, v.ID)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	err = audit.Record(ctx, h.Store.db, audit.Entry{ActorID: v.ID, Action: "personal_data.export", Object: userObject(v.ID), ClientIP: web.ClientIP(c)})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "application/json; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, web.AttachmentName("我的个人信息-"+time.Now().In(web.Shanghai).Format("20060102")+".json"))
	return c.Send(body)
}

// RequestDeletion opens the trainee's request to erase their account.
func (h *Handler) RequestDeletion(c *fiber.Ctx) error {
	reason := strings.TrimSpace(web.Clean(c.FormValue("reason"), 4*maxPrivacyText))
	if utf8.RuneCountInString(reason) > maxPrivacyText {
		return h.renderPrivacy(c, fiber.StatusUnprocessableEntity, reason, "privacy.mine.reason.long")
	}
	err := h.Store.RequestDeletion(c.UserContext(), web.ViewerOf(c).ID, reason, web.ClientIP(c))
	if errors.Is(err, ErrRequestPending) {
		return h.renderPrivacy(c, fiber.StatusUnprocessableEntity, reason, "privacy.mine.pending")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/my/privacy?done=requested", fiber.StatusSeeOther)
}

// CancelDeletion withdraws the trainee's open request.
func (h *Handler) CancelDeletion(c *fiber.Ctx) error {
	err := h.Store.CancelDeletion(c.UserContext(), web.ViewerOf(c).ID)
	if errors.Is(err, ErrRequestNotFound) {
		return h.renderPrivacy(c, fiber.StatusUnprocessableEntity, "", "privacy.mine.none")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/my/privacy?done=cancelled", fiber.StatusSeeOther)
}

// deletionsPage is what the coordinators' list of requests shows.
type deletionsPage struct {
	Open, Decided []DeletionRequest
}

// Deletions lists the trainees' requests to erase their accounts.
func (h *Handler) Deletions(c *fiber.Ctx) error {
	return h.renderDeletions(c, fiber.StatusOK, "")
}

func (h *Handler) renderDeletions(c *fiber.Ctx, status int, alertKey string) error {
	open, decided, err := h.Store.Deletions(c.UserContext())
	if err != nil {
		return err
	}
	p := web.NewPage(c, "privacy.requests.title")
	p.Data = deletionsPage{Open: open, Decided: decided}
	if key := map[string]string{"erased": "privacy.requests.erased", "declined": "privacy.requests.declined"}[c.Query("done")]; key != "" {
		p.Notice = p.T(key)
	}
	if alertKey != "" {
		p.Alert = p.T(alertKey)
	}
	return web.Render(c, status, "trainees/deletions", p)
}

// EraseAccount confirms a request: the account is erased.
func (h *Handler) EraseAccount(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	err = h.Store.Erase(c.UserContext(), id, web.ViewerOf(c).ID, web.ClientIP(c))
	if errors.Is(err, ErrRequestNotFound) {
		return h.renderDeletions(c, fiber.StatusUnprocessableEntity, "privacy.requests.gone")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/trainees/deletions?done=erased", fiber.StatusSeeOther)
}

// DeclineDeletion answers a request with a no and why.
func (h *Handler) DeclineDeletion(c *fiber.Ctx) error {
	id, err := web.PathID(c)
	if err != nil {
		return err
	}
	answer := strings.TrimSpace(web.Clean(c.FormValue("answer"), 4*maxPrivacyText))
	switch {
	case web.Blank(answer):
		return h.renderDeletions(c, fiber.StatusUnprocessableEntity, "privacy.requests.answer.required")
	case utf8.RuneCountInString(answer) > maxPrivacyText:
		return h.renderDeletions(c, fiber.StatusUnprocessableEntity, "privacy.requests.answer.long")
	}
	err = h.Store.DeclineDeletion(c.UserContext(), id, web.ViewerOf(c).ID, answer, web.ClientIP(c))
	switch {
	case errors.Is(err, ErrAnswerNeeded):
		return h.renderDeletions(c, fiber.StatusUnprocessableEntity, "privacy.requests.answer.required")
	case errors.Is(err, ErrRequestNotFound):
		return h.renderDeletions(c, fiber.StatusUnprocessableEntity, "privacy.requests.gone")
	case err != nil:
		return err
	}
	return c.Redirect("/trainees/deletions?done=declined", fiber.StatusSeeOther)
}
