package certificates

import (
	"math/bits"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// The QR code of a certificate is encoded here rather than by
// skip2/go-qrcode, which took 0.4 ms a code (44% of a batch): it keeps
// modules as bools and builds the whole symbol once for each of the eight
// masks. This encoder handles what a verification link needs — bytes at
// error correction level M, versions 1 to 10 (up to 213 bytes) — keeps
// each row and column of modules as one machine word, and scores the
// masks with bit operations, in about 30 µs. Longer contents go to
// go-qrcode. TestQRMatchesGoQRCode checks it module by module against
// go-qrcode with the same mask, and TestPDFSingle decodes what it drew.

// qrQuiet is the light margin around a code, in modules.
const qrQuiet = 4

// qrMaxVersion is the largest version encoded here: its 57 modules and a
// margin of 4 still fit a 64-bit word.
const qrMaxVersion = 10

// qrBlocks is level M's block structure of a version (ISO/IEC 18004
// table 9): ec codewords per block, then the count and data codewords of
// the blocks of each of at most two groups.
type qrBlocks struct{ ec, n1, d1, n2, d2 int }

var qrLevelM = [qrMaxVersion + 1]qrBlocks{
	1: {10, 1, 16, 0, 0}, 2: {16, 1, 28, 0, 0}, 3: {26, 1, 44, 0, 0}, 4: {18, 2, 32, 0, 0},
	5: {24, 2, 43, 0, 0}, 6: {16, 4, 27, 0, 0}, 7: {18, 4, 31, 0, 0}, 8: {22, 2, 38, 2, 39},
	9: {22, 3, 36, 2, 37}, 10: {26, 4, 43, 1, 44},
}

func (b qrBlocks) data() int { return b.n1*b.d1 + b.n2*b.d2 }

// qrEncode returns the QR code of s at level M with its quiet zone, as
// rows of modules, true for dark.
func qrEncode(s string) ([][]bool, error) {
	v := qrVersionFor(len(s))
	if v == 0 {
		q, err := qrcode.New(s, qrcode.Medium)
		if err != nil {
			return nil, err
		}
		return q.Bitmap(), nil
	}
	return qrSymbol([]byte(s), v, -1).bitmap(), nil
}

// qrVersionFor is the smallest version that holds n bytes, or 0.
func qrVersionFor(n int) int {
	for v := 1; v <= qrMaxVersion; v++ {
		header := 12 // the mode (4 bits) and the count (8 bits)
		if v >= 10 {
			header = 20
		}
		if 8*n+header <= 8*qrLevelM[v].data() {
			return v
		}
	}
	return 0
}

// qrMatrix is a symbol without its quiet zone: bit x of rows[y] and bit y
// of cols[x] are the module at column x, row y.
type qrMatrix struct {
	size       int
	rows, cols []uint64
}

func (m *qrMatrix) set(x, y int) {
	m.rows[y] |= 1 << uint(x)
	m.cols[x] |= 1 << uint(y)
}

func (m *qrMatrix) clear(x, y int) {
	m.rows[y] &^= 1 << uint(x)
	m.cols[x] &^= 1 << uint(y)
}

func (m *qrMatrix) dark(x, y int) bool { return m.rows[y]>>uint(x)&1 == 1 }

func newQRMatrix(size int) *qrMatrix {
	return &qrMatrix{size: size, rows: make([]uint64, size), cols: make([]uint64, size)}
}

// bitmap is the symbol in a quiet zone, as go-qrcode's Bitmap returns it.
func (m *qrMatrix) bitmap() [][]bool {
	n := m.size + 2*qrQuiet
	cells := make([]bool, n*n)
	out := make([][]bool, n)
	for y := range out {
		out[y] = cells[y*n : (y+1)*n]
	}
	for y := 0; y < m.size; y++ {
		for x := 0; x < m.size; x++ {
			out[y+qrQuiet][x+qrQuiet] = m.dark(x, y)
		}
	}
	return out
}

// qrLayout is what all symbols of a version share: the function patterns,
// the order the data modules are filled in, and for each mask the modules
// it inverts together with its format information.
type qrLayout struct {
	fixed *qrMatrix  // finder, timing and alignment patterns, the dark module, version information
	order []uint16   // data modules, y*size+x, in placement order
	masks []qrMatrix // per mask: the data modules it darkens, and the dark format bits
}

var (
	qrLayoutsOnce sync.Once
	qrLayouts     [qrMaxVersion + 1]*qrLayout
)

func qrLayoutOf(v int) *qrLayout {
	qrLayoutsOnce.Do(func() {
		for v := 1; v <= qrMaxVersion; v++ {
			qrLayouts[v] = newQRLayout(v)
		}
	})
	return qrLayouts[v]
}

func newQRLayout(v int) *qrLayout {
	size := 17 + 4*v
	fixed := newQRMatrix(size)
	reserved := newQRMatrix(size) // every function module, dark or light
	mark := func(x, y int, dark bool) {
		reserved.set(x, y)
		fixed.clear(x, y)
		if dark {
			fixed.set(x, y)
		}
	}
	for _, c := range [][2]int{{3, 3}, {size - 4, 3}, {3, size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				d := max(absInt(dx), absInt(dy))
				mark(x, y, d != 2 && d != 4)
			}
		}
	}
	for i := 8; i < size-8; i++ {
		mark(i, 6, i%2 == 0)
		mark(6, i, i%2 == 0)
	}
	centres := qrAlignment(v)
	last := len(centres) - 1
	for i, cy := range centres {
		for j, cx := range centres {
			if i == 0 && (j == 0 || j == last) || j == 0 && i == last { // on a finder pattern
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					mark(cx+dx, cy+dy, max(absInt(dx), absInt(dy)) != 1)
				}
			}
		}
	}
	formatBits(size, 0, func(x, y int, _ bool) { mark(x, y, false) })
	mark(8, size-8, true)
	if v >= 7 {
		rem := v
		for i := 0; i < 12; i++ {
			rem = rem<<1 ^ (rem>>11)*0x1F25
		}
		info := v<<12 | rem
		for i := 0; i < 18; i++ {
			a, b, dark := size-11+i%3, i/3, info>>uint(i)&1 == 1
			mark(a, b, dark)
			mark(b, a, dark)
		}
	}

	l := &qrLayout{fixed: fixed, masks: make([]qrMatrix, 8)}
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 { // the vertical timing pattern
			right = 5
		}
		upward := (right+1)&2 == 0
		for i := 0; i < size; i++ {
			y := i
			if upward {
				y = size - 1 - i
			}
			for _, x := range []int{right, right - 1} {
				if !reserved.dark(x, y) {
					l.order = append(l.order, uint16(y*size+x))
				}
			}
		}
	}
	for mask := range l.masks {
		m := newQRMatrix(size)
		for _, at := range l.order {
			x, y := int(at)%size, int(at)/size
			if qrMaskDarkens(mask, x, y) {
				m.set(x, y)
			}
		}
		formatBits(size, mask, func(x, y int, dark bool) {
			if dark {
				m.set(x, y)
			}
		})
		l.masks[mask] = *m
	}
	return l
}

// qrAlignment is where the alignment patterns of a version are centred,
// on both axes.
func qrAlignment(v int) []int {
	if v == 1 {
		return nil
	}
	size := 17 + 4*v
	n := v/7 + 2
	step := (size - 13 + 2*n - 3) / (2*n - 2) * 2 // (size-13)/(n-1), rounded up to even
	at := make([]int, n)
	at[0] = 6
	for i := n - 1; i >= 1; i-- {
		at[i] = size - 7 - (n-1-i)*step
	}
	return at
}

// formatBits calls put for each of the 30 modules holding the format
// information (level M and the mask) with whether it is dark.
func formatBits(size, mask int, put func(x, y int, dark bool)) {
	data := mask // level M is 00
	rem := data
	for i := 0; i < 10; i++ {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	word := (data<<10 | rem) ^ 0x5412
	bit := func(i int) bool { return word>>uint(i)&1 == 1 }
	for i := 0; i <= 5; i++ {
		put(8, i, bit(i))
	}
	put(8, 7, bit(6))
	put(8, 8, bit(7))
	put(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		put(14-i, 8, bit(i))
	}
	for i := 0; i < 8; i++ {
		put(size-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		put(8, size-15+i, bit(i))
	}
}

func qrMaskDarkens(mask, x, y int) bool {
	switch mask {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

// qrSymbol encodes data as version v with the given mask, or, when mask
// is -1, the mask with the lowest penalty.
func qrSymbol(data []byte, v, mask int) *qrMatrix {
	l := qrLayoutOf(v)
	size := l.fixed.size
	base := newQRMatrix(size)
	copy(base.rows, l.fixed.rows)
	copy(base.cols, l.fixed.cols)
	stream := qrCodewords(data, v)
	for i, at := range l.order {
		if i>>3 < len(stream) && stream[i>>3]>>(7-uint(i&7))&1 == 1 {
			base.set(int(at)%size, int(at)/size)
		}
	}
	if mask < 0 {
		best := -1
		for m := range l.masks {
			if p := qrPenalty(base, &l.masks[m]); best < 0 || p < best {
				best, mask = p, m
			}
		}
	}
	for y := range base.rows {
		base.rows[y] ^= l.masks[mask].rows[y]
		base.cols[y] ^= l.masks[mask].cols[y]
	}
	return base
}

// qrCodewords is data in byte mode, padded to the capacity of version v,
// split into blocks with their error correction, interleaved.
func qrCodewords(data []byte, v int) []byte {
	b := qrLevelM[v]
	capacity := b.data()
	var w qrBits
	w.put(0b0100, 4)
	if v < 10 {
		w.put(len(data), 8)
	} else {
		w.put(len(data), 16)
	}
	for _, c := range data {
		w.put(int(c), 8)
	}
	w.put(0, min(4, 8*capacity-w.n))
	w.put(0, (8-w.n%8)%8)
	for pad := 0xEC; len(w.b) < capacity; pad ^= 0xEC ^ 0x11 {
		w.put(pad, 8)
	}

	blocks := make([][]byte, 0, b.n1+b.n2)
	ecs := make([][]byte, 0, b.n1+b.n2)
	rest := w.b
	for i := 0; i < b.n1+b.n2; i++ {
		n := b.d1
		if i >= b.n1 {
			n = b.d2
		}
		blocks = append(blocks, rest[:n])
		ecs = append(ecs, rsRemainder(rest[:n], b.ec))
		rest = rest[n:]
	}
	out := make([]byte, 0, capacity+b.ec*len(blocks))
	for i := 0; i < max(b.d1, b.d2); i++ {
		for _, blk := range blocks {
			if i < len(blk) {
				out = append(out, blk[i])
			}
		}
	}
	for i := 0; i < b.ec; i++ {
		for _, ec := range ecs {
			out = append(out, ec[i])
		}
	}
	return out
}

// qrBits appends bits, most significant first.
type qrBits struct {
	b []byte
	n int // bits written
}

func (w *qrBits) put(v, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// GF(256) with the QR code's polynomial x⁸+x⁴+x³+x²+1, as tables of
// powers of 2 and their logarithms.
var gfExp, gfLog = func() (exp [512]byte, log [256]int) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	exp[510], exp[511] = exp[0], exp[1]
	return exp, log
}()

var (
	rsGenMu sync.Mutex
	rsGens  = map[int][]int{}
)

// rsGenerator is the logarithms of the coefficients, after the leading 1,
// of the Reed–Solomon generator (x−2⁰)(x−2¹)…(x−2ⁿ⁻¹).
func rsGenerator(n int) []int {
	rsGenMu.Lock()
	defer rsGenMu.Unlock()
	if g, ok := rsGens[n]; ok {
		return g
	}
	poly := []byte{1}
	for i := 0; i < n; i++ {
		next := make([]byte, len(poly)+1)
		for j, c := range poly {
			next[j] ^= c
			next[j+1] ^= gfMul(c, gfExp[i])
		}
		poly = next
	}
	g := make([]int, n)
	for i := range g {
		g[i] = gfLog[poly[i+1]] // no coefficient of these generators is 0
	}
	rsGens[n] = g
	return g
}

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

// rsRemainder is the n error correction codewords of data.
func rsRemainder(data []byte, n int) []byte {
	g := rsGenerator(n)
	ec := make([]byte, n)
	for _, d := range data {
		f := d ^ ec[0]
		copy(ec, ec[1:])
		ec[n-1] = 0
		if f == 0 {
			continue
		}
		lf := gfLog[f]
		for i, lg := range g {
			ec[i] ^= gfExp[lg+lf]
		}
	}
	return ec
}

// qrPenalty scores the symbol base with mask applied by the four rules of
// ISO/IEC 18004 7.8.3: runs of five or more, 2×2 blocks, finder-like
// patterns, and the balance of dark and light.
func qrPenalty(base, mask *qrMatrix) int {
	n := base.size
	p, dark := 0, 0
	var prev uint64
	for i := 0; i < n; i++ {
		row := base.rows[i] ^ mask.rows[i]
		col := base.cols[i] ^ mask.cols[i]
		p += qrLinePenalty(row, n) + qrLinePenalty(col, n)
		if i > 0 {
			same := ^(prev ^ row)                                              // vertically equal
			block := same & (same >> 1) & ^(row ^ row>>1) & (1<<uint(n-1) - 1) // and horizontally
			p += 3 * bits.OnesCount64(block)
		}
		dark += bits.OnesCount64(row)
		prev = row
	}
	total := n * n
	return p + 10*(absInt(dark*20-total*10)/total)
}

// qrLinePenalty scores one row or column of n modules (bit i is module i)
// for runs (rule 1) and finder-like patterns (rule 3), the light quiet
// zone counting beyond the ends.
func qrLinePenalty(w uint64, n int) int {
	all := uint64(1)<<uint(n) - 1
	p := 0
	for _, c := range []uint64{w, ^w & all} {
		five := c & (c >> 1) & (c >> 2) & (c >> 3) & (c >> 4) & (1<<uint(n-4) - 1)
		p += bits.OnesCount64(five) + 2*bits.OnesCount64(five&^(five<<1))
	}
	// In W, module i is bit i+4 and four light modules precede it.
	W := w << qrQuiet
	light := func(k uint) uint64 { return ^(W >> k) }
	core := (W >> 4) & light(5) & (W >> 6) & (W >> 7) & (W >> 8) & light(9) & (W >> 10) & (1<<uint(n-6) - 1)
	before := light(0) & light(1) & light(2) & light(3)
	after := light(11) & light(12) & light(13) & light(14)
	return p + 40*(bits.OnesCount64(core&before)+bits.OnesCount64(core&after))
}
