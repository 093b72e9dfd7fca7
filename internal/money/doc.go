// Package money converts between the decimal amounts sources publish and the
// DECIMAL(18,2) column the lake stores. Amounts are apd decimals end to end;
// nothing here goes through float64.
package money
