package money

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Scale and Precision describe the lake's money column: DECIMAL(18,2).
const (
	Scale     = 2
	Precision = 18
)

// ErrPrecision means the amount has more significant digits than the
// DECIMAL(18,2) column holds, or more than two decimal places.
var ErrPrecision = errors.New("amount does not fit DECIMAL(18,2)")

// ctx does exact arithmetic with room for any DECIMAL(18,2) sum and product
// the pipeline makes; Traps make inexact results errors rather than rounding.
var ctx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(34)
	c.Traps = apd.DefaultTraps | apd.Inexact | apd.Rounded
	return c
}()

// Context returns the exact decimal context used for money arithmetic.
func Context() *apd.Context { return ctx }

// Parse reads a plain decimal string such as "1234.5" or "-12".
func Parse(s string) (apd.Decimal, error) {
	var d apd.Decimal
	s = strings.TrimSpace(s)
	if _, _, err := d.SetString(s); err != nil {
		return apd.Decimal{}, fmt.Errorf("parse amount %q: not a decimal number", s)
	}
	if d.Form != apd.Finite {
		return apd.Decimal{}, fmt.Errorf("parse amount %q: not a finite number", s)
	}
	if d.NumDigits() > maxDigits || d.Exponent > maxExponent || d.Exponent < -maxExponent {
		return apd.Decimal{}, fmt.Errorf("parse amount %.40q: more than %d digits or an exponent beyond ±%d: not an amount", s, maxDigits, maxExponent)
	}
	return d, nil
}

// maxDigits and maxExponent bound what Parse accepts: far beyond any
// amount (DECIMAL(18,2) holds 18 digits), and small enough that Add and
// Mul stay exact and cheap on anything parsed.
const (
	maxDigits   = 64
	maxExponent = 64
)

// MustParse is Parse for constants in code and tests; it panics on error.
func MustParse(s string) apd.Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Cents returns d as an unscaled count of cents, the physical value of a
// DECIMAL(18,2) column. Amounts with sub-cent digits are rejected rather than
// rounded: a published figure never carries them, so they signal a parse bug.
func Cents(d apd.Decimal) (int64, error) {
	// Most amounts are whole dollars or cents, an int64 coefficient of
	// fewer than 19 digits at exponent 0, -1 or -2: the count of cents is
	// the coefficient times 100, 10 or 1, without apd's quantize (the same
	// result as centsQuantize; TestCentsFastPath).
	if d.Form == apd.Finite && d.Exponent >= -Scale && d.Exponent <= 0 && d.Coeff.IsInt64() {
		v, mul := d.Coeff.Int64(), int64(1)
		for range d.Exponent + Scale {
			mul *= 10
		}
		if v >= 0 && v < maxCents/mul {
			if d.Negative {
				return -v * mul, nil
			}
			return v * mul, nil
		}
	}
	return centsQuantize(d)
}

// maxCents is 10^Precision, the first count of cents DECIMAL(18,2) cannot
// hold.
const maxCents = 1_000_000_000_000_000_000

// centsQuantize is Cents through apd's quantize, for any decimal.
func centsQuantize(d apd.Decimal) (int64, error) {
	var scaled apd.Decimal
	if _, err := ctx.Quantize(&scaled, &d, -Scale); err != nil {
		return 0, fmt.Errorf("%s: %w", d.String(), ErrPrecision)
	}
	if scaled.NumDigits() > Precision {
		return 0, fmt.Errorf("%s: %w", d.String(), ErrPrecision)
	}
	// scaled has exponent -2, so its coefficient is the count of cents.
	c := scaled.Coeff
	if !c.IsInt64() {
		return 0, fmt.Errorf("%s: %w", d.String(), ErrPrecision)
	}
	v := c.Int64()
	if scaled.Negative {
		v = -v
	}
	return v, nil
}

// RoundCents rounds d half-even to whole cents; for derived figures such as
// prorated targets, never for published amounts (use Cents).
func RoundCents(d apd.Decimal) apd.Decimal {
	var out apd.Decimal
	c := apd.BaseContext.WithPrecision(34)
	c.Rounding = apd.RoundHalfEven
	_, _ = c.Quantize(&out, &d, -Scale)
	return out
}

// FromCents is the inverse of Cents.
func FromCents(cents int64) apd.Decimal {
	return *apd.New(cents, -Scale)
}

// Add returns a+b exactly. The precision is what the operands need, so
// no input can make the sum inexact (the panic of issue 12); whether the
// result fits the lake's column is Cents' question.
func Add(a, b apd.Decimal) apd.Decimal {
	var out apd.Decimal
	// Exact when the precision spans from the larger operand's leading
	// digit to the smaller exponent, plus a carry.
	hi := max(int64(a.NumDigits())+int64(a.Exponent), int64(b.NumDigits())+int64(b.Exponent))
	lo := min(int64(a.Exponent), int64(b.Exponent))
	if _, err := exact(hi-lo+1).Add(&out, &a, &b); err != nil {
		panic(fmt.Sprintf("money: add %s + %s: %v", a.String(), b.String(), err))
	}
	return out
}

// Mul returns a×b exactly (for unit conversions such as thousands of
// dollars), with the precision the product needs.
func Mul(a, b apd.Decimal) apd.Decimal {
	var out apd.Decimal
	if _, err := exact(a.NumDigits()+b.NumDigits()).Mul(&out, &a, &b); err != nil {
		panic(fmt.Sprintf("money: mul %s × %s: %v", a.String(), b.String(), err))
	}
	return out
}

// exact returns ctx, or a context like it with room for digits digits.
// The panics left in Add and Mul need operands apd itself cannot hold
// (exponents near ±100000), which Parse never returns.
func exact(digits int64) *apd.Context {
	if digits <= int64(ctx.Precision) {
		return ctx
	}
	c := ctx.WithPrecision(uint32(min(digits, apd.MaxExponent)))
	c.Traps = ctx.Traps
	return c
}
