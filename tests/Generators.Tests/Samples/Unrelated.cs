using System;

namespace Shop.Util;

public static class Formatting
{
    public static string Money(decimal amount) => amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    public static string Join(string a, string b) => string.Concat(a, Money(1m), b, Environment.NewLine);
}
