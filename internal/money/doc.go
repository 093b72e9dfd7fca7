// Package money converts between the decimal amounts sources publish and the
// DECIMAL(18,2) column the lake stores. Amounts are apd decimals end to end;
// nothing here goes through float64.
//
// Parse refuses what cannot be an amount (more than 64 digits, exponents
// beyond ±64, NaN, infinities). Add and Mul are exact for anything Parse
// returns, whatever its digits: they take the precision the operands need,
// so a hostile input such as 1.000000000000000000000000000000000001
// thousand dollars reaches Cents, which refuses it (ErrPrecision), instead
// of panicking.
package money
