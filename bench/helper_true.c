/* The smallest program a creation benchmark can start: it only exits with status 0,
 * so the parent can tell a child that ran (0) from an exec that failed (127). */
int main(void)
{
        return 0;
}
