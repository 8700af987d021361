/* ipcbench-spawn: to come. */
int main(void)
{
        return 0;
}
