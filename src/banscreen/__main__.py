from banscreen.cli import main

if __name__ == "__main__":  # (a spawned process imports the main module: it must not run the CLI again)
    main()
