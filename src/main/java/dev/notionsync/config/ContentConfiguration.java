package dev.notionsync.config;

import dev.notionsync.store.PageContents;
import dev.notionsync.sync.MirrorTables;
import dev.notionsync.sync.PageContentSync;
import dev.notionsync.sync.SourceDoors;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;

/**
 * Page content (routes/notion-content.camel.yaml): the content worker of the sources with
 * notion.source.&lt;name&gt;.content on, reading through the door's background lane. Bound before the webhooks, whose
 * page.content_updated events make pages due through it.
 */
public final class ContentConfiguration implements AreaConfiguration {

    private final ContentSettings settings;
    private final DataSource dataSource;

    public ContentConfiguration(ContentSettings settings, DataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
    }

    @Override
    public void configure(CamelContext context) {
        SourceDoors background = AreaConfiguration.bean(context, "sourceBackgroundDoors", SourceDoors.class);
        MirrorTables mirrors = AreaConfiguration.bean(context, "mirrorTables", MirrorTables.class);
        context.getRegistry().bind("pageContentSync", new PageContentSync(background, mirrors, new PageContents(dataSource), settings.modes(),
                settings.blocksDepth(), settings.retryUnreadable(), Clock.systemUTC()));
    }
}
