namespace Legacy;

// Compiled in a net8.0 library: the build must stop with DBOS900 before the compiler reports missing types.
public static class UsesDbos
{
    public static object Options() => new Dbos.DbosOptions();
}
