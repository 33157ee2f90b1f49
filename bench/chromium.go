package main

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"

	"partyschool/certificates"
)

// chromiumPrints is how many certificates Chromium prints, timed, after
// two unrecorded.
const chromiumPrints = 10

// ChromiumPrint is the certificate as an HTML page printed to PDF by
// headless Chromium, for comparison.
type ChromiumPrint struct {
	Skipped  string // why it was not measured, or ""
	Path     string
	Version  string
	Start    time.Duration // from exec to the first blank tab
	P50, P90 time.Duration // load the page, wait for its fonts, print it
	Bytes    int
	Pages    int
}

// chromiumPath finds Chromium as the end-to-end tests do: CHROMIUM_PATH,
// else chromium, chromium-browser or google-chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// certHTML is the certificate as a page: the same texts where the PDF
// draws them (mm from the top-left corner of A4 landscape), in the same
// font from its file, the frames as CSS borders, the QR code and the seal
// as images.
var certHTML = template.Must(template.New("cert").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>结业证书</title>
<style>
@font-face { font-family: cert; src: url(/font.ttf) format("truetype"); }
@page { size: A4 landscape; margin: 0; }
html, body { margin: 0; }
body { font-family: cert, sans-serif; color: rgb(40,40,40); }
.page { position: relative; width: 297mm; height: 210mm; overflow: hidden; }
.frame { position: absolute; left: 10mm; top: 10mm; width: 277mm; height: 190mm; box-sizing: border-box;
  border: 1.6mm solid rgb(165,28,36); }
.frame2 { position: absolute; left: 13.2mm; top: 13.2mm; width: 270.6mm; height: 183.6mm; box-sizing: border-box;
  border: 0.6mm solid rgb(191,148,58); }
.frame3 { position: absolute; left: 15mm; top: 15mm; width: 267mm; height: 180mm; box-sizing: border-box;
  border: 0.25mm solid rgb(191,148,58); }
.c { position: absolute; left: 0; width: 297mm; text-align: center; white-space: nowrap; }
.title { top: 28mm; font-size: 40pt; letter-spacing: 0.6em; color: rgb(165,28,36); -webkit-text-stroke: 0.25mm rgb(165,28,36); }
.name { top: 55mm; font-size: 28pt; letter-spacing: 0.3em; }
.name span { border-bottom: 0.4mm solid rgb(191,148,58); padding: 0 12mm; }
.wording { position: absolute; left: 50mm; top: 78mm; width: 197mm; height: 52mm; font-size: 17pt; line-height: 1.75;
  text-indent: 2em; display: flex; align-items: center; }
.course { top: 133mm; font-size: 13pt; }
.dates { top: 141mm; font-size: 13pt; }
.school { position: absolute; right: 36mm; top: 160mm; font-size: 15pt; text-align: center; }
.school div + div { font-size: 14pt; margin-top: 3mm; }
.seal { position: absolute; left: 200mm; top: 148mm; width: 40mm; height: 40mm; }
.qr { position: absolute; left: 36mm; top: 146mm; width: 30mm; height: 30mm; image-rendering: pixelated; }
.scan { position: absolute; left: 36mm; width: 30mm; top: 177mm; font-size: 8pt; text-align: center; color: rgb(110,110,110); }
.serial { position: absolute; left: 36mm; top: 183.5mm; font-size: 10pt; }
</style></head>
<body><div class="page">
<div class="frame"></div><div class="frame2"></div><div class="frame3"></div>
<div class="c title">结业证书</div>
<div class="c name"><span>{{.TraineeName}}</span></div>
<div class="wording"><p>{{.Wording}}</p></div>
<div class="c course">培训课程：{{.CourseTitle}}</div>
<div class="c dates">培训时间：{{.From}}至{{.To}}&nbsp;&nbsp;&nbsp;&nbsp;学时：{{.Hours}}</div>
<div class="school"><div>{{.SchoolName}}</div><div>{{.Issued}}</div></div>
<img class="seal" src="/seal.png" alt="">
<img class="qr" src="/qr.png" alt="">
<div class="scan">扫码验证</div>
<div class="serial">证书编号：{{.Serial}}</div>
</div></body></html>`))

// printChromium prints p as an HTML page with headless Chromium, when it
// is installed: the page, the font and the images served from this
// process, the browser started once, each print a fresh load of the page
// (the font from the browser's cache, as a server printing with a warm
// browser would) and page.printToPDF.
func printChromium(ctx context.Context, font []byte, p certificates.Printed, seal []byte) *ChromiumPrint {
	out := &ChromiumPrint{Path: chromiumPath()}
	if out.Path == "" {
		out.Skipped = "no Chromium installed (CHROMIUM_PATH, chromium, chromium-browser, google-chrome)"
		say("certificates: %s: Chromium skipped", out.Skipped)
		return out
	}
	out.Version = strings.TrimSpace(commandOutput(out.Path, "--version"))
	if err := out.measure(ctx, font, p, seal); err != nil {
		out.Skipped = "Chromium failed: " + err.Error()
		say("certificates: %s", out.Skipped)
	}
	return out
}

func (out *ChromiumPrint) measure(ctx context.Context, font []byte, p certificates.Printed, seal []byte) error {
	qr, err := qrcode.Encode(p.VerifyURL, qrcode.Medium, 256)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cert.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		certHTML.Execute(w, map[string]any{
			"TraineeName": p.TraineeName, "Wording": p.Wording, "CourseTitle": p.CourseTitle,
			"From": certificates.ChineseDate(p.StartsOn), "To": certificates.ChineseDate(p.EndsOn),
			"Hours": strconv.FormatFloat(p.CreditHours, 'f', -1, 64), "SchoolName": p.SchoolName,
			"Issued": certificates.ChineseDate(p.IssuedOn), "Serial": p.Serial,
		})
	})
	static := func(path, kind string, b []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", kind)
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Write(b)
		})
	}
	static("/font.ttf", "font/ttf", font)
	static("/seal.png", "image/png", seal)
	static("/qr.png", "image/png", qr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	page := "http://" + ln.Addr().String() + "/cert.html"

	dir, err := os.MkdirTemp("", "partyschool-bench-chromium")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(out.Path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first call starts the browser, which lives as long as its
	// context: it may not have a deadline, so it is bounded from outside.
	t0 := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browser) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
	case <-time.After(60 * time.Second):
		return fmt.Errorf("start: not ready within 60 s")
	}
	out.Start = time.Since(t0)

	var times []time.Duration
	for i := -2; i < chromiumPrints; i++ {
		step, cancelStep := context.WithTimeout(browser, 60*time.Second)
		t0 := time.Now()
		err := chromedp.Do(step, chromedp.Navigate(page))
		if err == nil {
			_, err = chromedp.Run(step, chromedp.Evaluate[bool](`document.fonts.ready.then(() => document.fonts.status === "loaded")`, chromedp.EvalAwaitPromise))
		}
		var pdf []byte
		if err == nil {
			pdf, err = chromedp.Run(step, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground(), chromedp.PDFMargin(0)))
		}
		took := time.Since(t0)
		cancelStep()
		if err != nil {
			return fmt.Errorf("print %s: %w", page, err)
		}
		if i >= 0 {
			times = append(times, took)
			out.Bytes, out.Pages = len(pdf), pdfPageCount(pdf)
		}
	}
	slices.Sort(times)
	out.P50, out.P90 = percentile(times, 0.5), percentile(times, 0.9)
	say("certificates: Chromium prints the page in p50 %v (%d KiB, %d page)", out.P50, out.Bytes>>10, out.Pages)
	return nil
}
